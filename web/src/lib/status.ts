// Friendly names and Cloudscape indicators for the server's one vocabulary of statuses.
// Each map is a Record over the generated union, so a status added server-side fails the
// build until it is named here.
import type {
  CleanupStatus,
  ExecutionStatus,
  HookStatus,
  Mode,
  ServerRun,
  ServerStatus,
  SyncState,
  WaveStatus,
} from "../api/types";

export type Indicator =
  | "error"
  | "warning"
  | "success"
  | "info"
  | "stopped"
  | "pending"
  | "in-progress"
  | "loading"
  | "not-started";

export interface Shown {
  label: string;
  type: Indicator;
}

export const EXECUTION: Record<ExecutionStatus, Shown> = {
  PENDING: { label: "Starting", type: "pending" },
  RUNNING: { label: "Running", type: "in-progress" },
  PAUSED: { label: "Paused", type: "stopped" },
  CANCELLING: { label: "Cancelling", type: "in-progress" },
  COMPLETED: { label: "Completed", type: "success" },
  PARTIAL: { label: "Completed with failures", type: "warning" },
  FAILED: { label: "Failed", type: "error" },
  CANCELLED: { label: "Cancelled", type: "stopped" },
  TIMED_OUT: { label: "Timed out", type: "error" },
};

export const WAVE: Record<WaveStatus, Shown> = {
  PENDING: { label: "Not started", type: "not-started" },
  WAITING: { label: "Waiting", type: "pending" },
  AWAITING_APPROVAL: { label: "Awaiting approval", type: "warning" },
  PRE_HOOKS: { label: "Running pre-launch hooks", type: "in-progress" },
  LAUNCHING: { label: "Launching", type: "in-progress" },
  VERIFYING: { label: "Verifying", type: "in-progress" },
  POST_HOOKS: { label: "Running post-launch hooks", type: "in-progress" },
  COMPLETED: { label: "Completed", type: "success" },
  FAILED: { label: "Failed", type: "error" },
  TIMED_OUT: { label: "Timed out", type: "error" },
  SKIPPED: { label: "Skipped", type: "stopped" },
  CANCELLED: { label: "Cancelled", type: "stopped" },
};

export const SERVER: Record<ServerStatus, Shown> = {
  WAITING: { label: "Waiting for its wave", type: "not-started" },
  QUEUED: { label: "Queued for DRS capacity", type: "pending" },
  STARTING: { label: "Starting recovery", type: "in-progress" },
  PENDING: { label: "DRS: pending", type: "pending" },
  IN_PROGRESS: { label: "DRS: launching", type: "in-progress" },
  LAUNCHED: { label: "Launched", type: "in-progress" },
  POST_LAUNCH: { label: "Post-launch actions", type: "in-progress" },
  READY: { label: "Ready", type: "success" },
  FAILED: { label: "Failed", type: "error" },
  TERMINATED: { label: "Terminated", type: "stopped" },
  NOT_RUN: { label: "Not run", type: "stopped" },
};

export const HOOK: Record<HookStatus, Shown> = {
  PENDING: { label: "Not started", type: "not-started" },
  RUNNING: { label: "Running", type: "in-progress" },
  PASSED: { label: "Passed", type: "success" },
  FAILED: { label: "Failed", type: "error" },
};

export const CLEANUP: Record<CleanupStatus, Shown> = {
  NONE: { label: "Not cleaned up", type: "not-started" },
  REQUESTED: { label: "Clean-up requested", type: "pending" },
  RUNNING: { label: "Cleaning up", type: "in-progress" },
  COMPLETED: { label: "Cleaned up", type: "success" },
  FAILED: { label: "Clean-up failed", type: "error" },
};

export const MODE: Record<Mode, string> = { DRILL: "Drill", RECOVERY: "Recovery", FAILBACK: "Failback", FAILBACK_DRILL: "Failback drill" };

/** A server's launch settings against what DRS and its launch template hold. */
export const LAUNCH_SYNC: Record<SyncState, Shown> = {
  IN_SYNC: { label: "In sync", type: "success" },
  DRIFTED: { label: "Drifted", type: "warning" },
  NOT_APPLIED: { label: "Not applied", type: "not-started" },
  FAILED: { label: "Failed", type: "error" },
};

/** A status the server sends but this build does not know: shown as it is, never hidden. */
export function shown<K extends string>(map: Record<K, Shown>, status: string): Shown {
  return (map as Record<string, Shown>)[status] ?? { label: status, type: "info" };
}

/** DRS's launch status of a server, in words (its codes beside "Ready" read as noise). */
export const DRS_LAUNCH: Record<string, Shown> = {
  PENDING: { label: "Pending", type: "pending" },
  IN_PROGRESS: { label: "In progress", type: "in-progress" },
  LAUNCHED: { label: "Launched", type: "success" },
  FAILED: { label: "Failed", type: "error" },
  TERMINATED: { label: "Terminated", type: "stopped" },
};

/** The recovery instance's EC2 state as DRS reports it (ec2InstanceState), in words. */
export const EC2_STATE: Record<string, Shown> = {
  PENDING: { label: "Pending", type: "pending" },
  RUNNING: { label: "Running", type: "success" },
  STOPPING: { label: "Stopping", type: "in-progress" },
  STOPPED: { label: "Stopped", type: "stopped" },
  "SHUTTING-DOWN": { label: "Shutting down", type: "in-progress" },
  TERMINATED: { label: "Terminated", type: "stopped" },
  NOT_FOUND: { label: "Not found", type: "stopped" },
};

type Run = Pick<ServerRun, "status" | "failure" | "launchedAt" | "endedAt" | "recoveryInstanceId" | "ec2State">;

/** A server its wave brought up: ready now, or ready until a clean-up terminated it. */
export function recovered(s: Run): boolean {
  return s.status === "READY" || (s.status === "TERMINATED" && !!s.launchedAt && !!s.endedAt && !s.failure);
}

const GONE = new Set(["SHUTTING-DOWN", "TERMINATED", "NOT_FOUND"]);

/** The recovery instances this execution launched that are still there to terminate. */
export function stillRunning<S extends Run>(e: { servers: Record<string, S> }): S[] {
  return Object.values(e.servers).filter((s) => s.recoveryInstanceId && s.status !== "TERMINATED" && !GONE.has(s.ec2State ?? ""));
}

/** What the clean-up stands at, true at every moment: nothing is "not cleaned up" while the
 * execution still runs, or when it launched nothing. `detail` says how many are left. */
export function cleanupShown(e: { active: boolean; keepsInstances: boolean; cleanup: CleanupStatus; stillRunning: number }): Shown & { detail?: string } {
  const detail = e.stillRunning ? `${e.stillRunning} recovery instance${e.stillRunning === 1 ? "" : "s"} still running` : undefined;
  if (e.cleanup !== "NONE") return { ...shown(CLEANUP, e.cleanup), ...(e.cleanup === "FAILED" && detail ? { detail } : {}) };
  if (e.active) return { label: "Once the execution ends", type: "not-started" };
  if (!detail) return { label: "Nothing to clean up", type: "success" };
  return e.keepsInstances ? { label: "Kept (a recovery)", type: "info", detail } : { label: "Not cleaned up", type: "warning", detail };
}

/** A wave's failure policy, in words. */
export const ON_FAILURE: Record<string, string> = { stop: "Stop the plan", continue: "Continue" };

/** A lint finding's severity, in words. */
export const SEVERITY: Record<string, string> = { error: "Error", warning: "Warning", info: "Note" };

/** How far an execution's waves got, in words: "2 of 3 waves completed" and how the others
 * ended ("1 failed, 1 cancelled"), so a cancelled execution does not read as done. */
export function wavesProgress(waves: { status: WaveStatus; ended: boolean }[]): string {
  const completed = waves.filter((w) => w.status === "COMPLETED").length;
  const others = new Map<string, number>();
  for (const w of waves) {
    if (w.ended && w.status !== "COMPLETED") {
      const label = WAVE[w.status].label.toLowerCase();
      others.set(label, (others.get(label) ?? 0) + 1);
    }
  }
  const rest = [...others].map(([label, n]) => `${n} ${label}`).join(", ");
  return `${completed} of ${waves.length} waves completed${rest ? `; ${rest}` : ""}`;
}
