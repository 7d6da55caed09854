// One name for each thing, everywhere in the console: servers by hostname, DRS jobs by the
// ID DRS gives them (drsjob-…), recovery instances by their EC2 ID (i-…), hooks by what they
// do. Internal keys (a batch's "3.111111111111.us-east-1.1.a1", a hook's "Web/post/0") never
// reach the screen.
import type { ExecutionDetail, Hook } from "../api/types";
import { formatDuration } from "./time";

export const PHASE: Record<"pre" | "post", string> = { pre: "Before launch", post: "After launch" };

/** "Manual approval", "Wait 5 min", "SSM command AWS-RunShellScript", "Lambda smoke-test". */
export function hookLabel(hook: Hook): string {
  switch (hook.type) {
    case "manualApproval":
      return "Manual approval";
    case "wait":
      return `Wait ${formatDuration(hook.durationSeconds)}`;
    case "httpCheck":
      return `HTTP check ${hook.url}`;
    case "ssmAutomation":
      return `SSM Automation ${hook.documentName}`;
    case "ssmCommand":
      return `SSM command ${hook.documentName}`;
    case "lambda":
      return `Lambda ${hook.functionName}`;
  }
}

export interface BatchName {
  wave: string;
  servers: number;
  jobId: string | null;
}

/** What the event log needs to name an execution's subjects. */
export interface Names {
  hosts: Record<string, string>;
  batches: Record<string, BatchName>;
  hooks: Record<string, string>;
}

export const NO_NAMES: Names = { hosts: {}, batches: {}, hooks: {} };

export function namesOf(e: Pick<ExecutionDetail, "servers" | "launches" | "waves"> | null): Names {
  if (!e) return NO_NAMES;
  return {
    hosts: Object.fromEntries(Object.values(e.servers).map((s) => [s.serverId, s.hostname || s.serverId])),
    batches: Object.fromEntries((e.launches ?? []).map((b) => [b.id, { wave: b.wave, servers: b.serverCount, jobId: b.jobId ?? null }])),
    hooks: Object.fromEntries(e.waves.flatMap((w) => (w.hooks ?? []).map((h) => [`${w.name}/${h.phase}/${h.index}`, `${w.name}: ${PHASE[h.phase].toLowerCase()}, ${hookLabel(h.hook)}`]))),
  };
}
