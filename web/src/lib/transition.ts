// One line of the event log for a transition, in words, naming each subject as the rest of
// the console does (see names.ts).
import type { Transition } from "../api/types";
import { NO_NAMES, type Names } from "./names";
import { CLEANUP, EC2_STATE, EXECUTION, HOOK, SERVER, shown, WAVE, type Shown } from "./status";

const MAPS: Record<string, Record<string, Shown>> = {
  execution: EXECUTION,
  wave: WAVE,
  server: SERVER,
  hook: HOOK,
  cleanup: CLEANUP,
};

function name(map: Record<string, Shown> | undefined, status: string | null): string {
  if (!status) return "";
  return map ? shown(map, status).label : status.toLowerCase().replace(/_/g, " ");
}

const capital = (text: string) => text.replace(/^./, (c) => c.toUpperCase());

function reasonOf(detail: Record<string, unknown>): string {
  if (typeof detail.reason === "string") return `: ${detail.reason}`;
  if (typeof detail.error === "string") return `: ${detail.error}`;
  return "";
}

// A batch is one StartRecovery call: the operator knows it as the wave's DRS job.
function batch(t: Transition, names: Names, detail: Record<string, unknown>): string {
  const known = names.batches[t.subject];
  const jobId = (typeof detail.jobId === "string" ? detail.jobId : null) ?? known?.jobId ?? null;
  const count = typeof detail.servers === "number" ? detail.servers : known?.servers;
  const servers = count === undefined ? "servers" : count === 1 ? "1 server" : `${count} servers`;
  const wave = known ? `Wave ${known.wave}: ` : "";
  const job = jobId ? `DRS job ${jobId}` : `DRS launch of ${servers}`;
  if (typeof detail.deferred === "string") return `${wave}DRS launch of ${servers} waits: ${detail.deferred}`;
  if (typeof detail.launchSettings === "string") return `${wave}launch settings ${detail.launchSettings}`;
  switch (t.new) {
    case "QUEUED":
      return `${wave}DRS launch of ${servers} queued for DRS capacity`;
    case "ADMITTED":
      return `${wave}DRS launch of ${servers} admitted`;
    case "STARTING":
      return `${wave}asking DRS to recover ${servers}`;
    case "RUNNING":
      return `${wave}${job} started for ${servers}`;
    case "ENDED":
      return `${wave}${job} ended${reasonOf(detail)}`;
    case "DROPPED":
      return `${wave}DRS launch of ${servers} dropped${reasonOf(detail)}`;
    default:
      return `${wave}${job}: ${name(undefined, t.new)}`;
  }
}

function cleanup(t: Transition, detail: Record<string, unknown>): string {
  const jobs = Array.isArray(detail.jobIds) ? detail.jobIds.filter((j): j is string => typeof j === "string") : [];
  if (!t.old && !t.new && jobs.length) {
    const n = typeof detail.instances === "number" ? detail.instances : null;
    const what = n === null ? "" : ` to terminate ${n === 1 ? "1 recovery instance" : `${n} recovery instances`}`;
    return `Clean-up: DRS job ${jobs.join(", ")} started${what}`;
  }
  const from = name(CLEANUP, t.old);
  return `Clean-up: ${from ? `${from} → ` : ""}${name(CLEANUP, t.new)}${reasonOf(detail)}`;
}

export function describe(t: Transition, names: Names = NO_NAMES): string {
  const detail = t.detail as Record<string, unknown>;
  if (t.kind === "command") {
    const by = typeof detail.by === "string" ? ` by ${detail.by}` : "";
    return capital(`${(t.new ?? t.subject).toLowerCase().replace(/_/g, " ")}${by}`);
  }
  if (t.kind === "batch") return capital(batch(t, names, detail));
  if (t.kind === "cleanup") return cleanup(t, detail);
  if (t.kind === "instance") {
    // The subject is the source server; the instance is named by its EC2 ID, as DRS does.
    const id = typeof detail.ec2InstanceId === "string" ? detail.ec2InstanceId : typeof detail.recoveryInstanceId === "string" ? detail.recoveryInstanceId : null;
    const host = names.hosts[t.subject] ?? t.subject;
    return `Recovery instance ${id ? `${id} ` : ""}of ${host}: ${name(EC2_STATE, t.new)}`;
  }
  const label = {
    execution: "Execution",
    wave: `Wave ${t.subject}`,
    server: `Server ${names.hosts[t.subject] ?? t.subject}`,
    hook: `Hook ${names.hooks[t.subject] ?? t.subject}`,
  }[t.kind] ?? `${capital(t.kind)} ${t.subject}`;
  if (t.kind === "hook" && !t.old && !t.new && typeof detail.started === "string") {
    return `${label}: started ${detail.started}`;
  }
  const map = MAPS[t.kind];
  const from = name(map, t.old);
  const to = name(map, t.new);
  return `${label}: ${from ? `${from} → ` : ""}${to}${reasonOf(detail)}`;
}
