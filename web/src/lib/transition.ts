// One line of the event log for a transition, in words.
import type { Transition } from "../api/types";
import { CLEANUP, EXECUTION, HOOK, SERVER, shown, WAVE, type Shown } from "./status";

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

export function describe(t: Transition, hostnames: Record<string, string> = {}): string {
  const map = MAPS[t.kind];
  const subject = t.kind === "server" ? (hostnames[t.subject] ?? t.subject) : t.subject;
  const detail = t.detail as Record<string, unknown>;
  if (t.kind === "command") {
    const by = typeof detail.by === "string" ? ` by ${detail.by}` : "";
    return `${(t.new ?? subject).toLowerCase().replace(/_/g, " ")}${by}`.replace(/^./, (c) => c.toUpperCase());
  }
  const what = { execution: "Execution", wave: "Wave", server: "Server", hook: "Hook", batch: "DRS job", cleanup: "Clean-up" }[t.kind] ?? t.kind;
  const label = t.kind === "execution" || t.kind === "cleanup" ? what : `${what} ${subject}`;
  const from = name(map, t.old);
  const to = name(map, t.new);
  const reason = typeof detail.reason === "string" ? `: ${detail.reason}` : typeof detail.error === "string" ? `: ${detail.error}` : "";
  return `${label}: ${from ? `${from} → ` : ""}${to}${reason}`;
}
