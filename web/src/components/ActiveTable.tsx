// What runs now, pushed by /executions/live: one stream for the whole list.
import Box from "@cloudscape-design/components/box";
import Link from "@cloudscape-design/components/link";
import ProgressBar from "@cloudscape-design/components/progress-bar";
import { useState } from "react";
import type { ActiveExecutions, ExecutionSummary } from "../api/types";
import { useEventStream } from "../lib/live";
import { useFollow } from "../lib/nav";
import { EXECUTION, MODE, wavesProgress } from "../lib/status";
import { DataTable } from "./DataTable";
import { Status } from "./Status";
import { Duration } from "./Time";

/** The active executions as the server last pushed them; null until the first push. */
export function useActiveExecutions(): ActiveExecutions | null {
  const [active, setActive] = useState<ActiveExecutions | null>(null);
  useEventStream("/executions/live", (m) => {
    if (m.event === "active") setActive(JSON.parse(m.data) as ActiveExecutions);
  });
  return active;
}

export function ActiveTable({ items, loading }: { items: ExecutionSummary[]; loading: boolean }) {
  const follow = useFollow();
  return (
    <DataTable
      name="active-executions"
      variant="embedded"
      loading={loading}
      loadingText="Loading executions"
      items={items}
      empty={<Box color="text-body-secondary">Nothing is running.</Box>}
      columnDefinitions={[
        { id: "plan", header: "Plan", kind: "name", cell: (e) => <Link href={`/executions/${e.id}`} onFollow={follow}>{e.planName}</Link> },
        { id: "mode", header: "Mode", kind: "short", cell: (e) => MODE[e.mode] },
        { id: "status", header: "Status", kind: "status", cell: (e) => <Status map={EXECUTION} status={e.status} /> },
        {
          id: "progress",
          header: "Progress",
          kind: "text",
          minWidth: 180,
          cell: (e) => (
            <ProgressBar
              value={e.waves.length ? (100 * e.wavesDone) / e.waves.length : 0}
              additionalInfo={wavesProgress(e.waves)}
              ariaLabel={`${e.planName} progress`}
            />
          ),
        },
        { id: "running", header: "Running for", kind: "short", cell: (e) => <Duration start={e.startedAt ?? e.createdAt} end={e.endedAt} running={e.active} /> },
      ]}
    />
  );
}

