// Where a server is in DRS's recovery, from the job log's phase events.
import type { ServerRun } from "../api/types";

export function phaseOf(server: Pick<ServerRun, "phases" | "launchedAt">): string {
  const p = server.phases ?? {};
  if (server.launchedAt) return "Launched";
  if (p.LAUNCH_START) return "Launching";
  if (p.CONVERSION_END) return "Conversion done";
  if (p.CONVERSION_START) return "Converting";
  if (p.SNAPSHOT_END) return "Snapshot done";
  if (p.SNAPSHOT_START) return "Taking snapshot";
  return "—";
}
