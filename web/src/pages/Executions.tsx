// Active executions, pushed live; history, newest first, with filters. A finished execution
// is never listed as active.
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Tabs from "@cloudscape-design/components/tabs";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import type { ExecutionStatus, Mode } from "../api/types";
import { ActiveTable, useActiveExecutions } from "../components/ActiveTable";
import { ProblemAlert } from "../components/ProblemAlert";
import { Status } from "../components/Status";
import { Duration, Time } from "../components/Time";
import { useFollow } from "../lib/nav";
import { CLEANUP, EXECUTION, MODE, wavesProgress } from "../lib/status";
import { usePaged } from "../lib/usePaged";
import { DataTable } from "../components/DataTable";

const ENDED: ExecutionStatus[] = ["COMPLETED", "PARTIAL", "FAILED", "CANCELLED", "TIMED_OUT"];

function History() {
  const follow = useFollow();
  const [status, setStatus] = useState<ExecutionStatus | null>(null);
  const [mode, setMode] = useState<Mode | null>(null);
  const history = usePaged(
    (cursor) =>
      unwrap(
        api.GET("/api/v1/executions", {
          params: { query: { active: false, limit: 50, cursor, status: status ?? undefined, mode: mode ?? undefined } },
        }),
      ),
    [status, mode],
  );
  return (
    <SpaceBetween size="s">
      <ProblemAlert error={history.error} />
      <DataTable
        name="execution-history"
        loading={history.loading}
        loadingText="Loading history"
        items={history.items}
        filter={
          <SpaceBetween direction="horizontal" size="xs">
            <Select
              selectedOption={status ? { value: status, label: EXECUTION[status].label } : { value: "", label: "Any outcome" }}
              options={[{ value: "", label: "Any outcome" }, ...ENDED.map((s) => ({ value: s, label: EXECUTION[s].label }))]}
              onChange={({ detail }) => setStatus((detail.selectedOption.value || null) as ExecutionStatus | null)}
              ariaLabel="Filter by outcome"
            />
            <Select
              selectedOption={mode ? { value: mode, label: MODE[mode] } : { value: "", label: "Every mode" }}
              options={[
                { value: "", label: "Every mode" },
                { value: "DRILL", label: "Drills" },
                { value: "RECOVERY", label: "Recoveries" },
                { value: "FAILBACK", label: "Failbacks" },
                { value: "FAILBACK_DRILL", label: "Failback drills" },
              ]}
              onChange={({ detail }) => setMode((detail.selectedOption.value || null) as Mode | null)}
              ariaLabel="Filter by mode"
            />
          </SpaceBetween>
        }
        empty={<Box color="text-body-secondary">No finished execution.</Box>}
        footer={
          history.more ? (
            <Box textAlign="center">
              <Button onClick={() => void history.more?.()}>Load older executions</Button>
            </Box>
          ) : undefined
        }
        columnDefinitions={[
          { id: "plan", header: "Plan", kind: "name", cell: (e) => <Link href={`/executions/${e.id}`} onFollow={follow}>{e.planName}</Link> },
          { id: "mode", header: "Mode", kind: "short", cell: (e) => MODE[e.mode] },
          { id: "status", header: "Outcome", kind: "status", cell: (e) => <Status map={EXECUTION} status={e.status} /> },
          { id: "waves", header: "Waves", kind: "text", cell: (e) => wavesProgress(e.waves) },
          { id: "started", header: "Started", kind: "time", cell: (e) => <Time value={e.startedAt ?? e.createdAt} /> },
          { id: "duration", header: "Duration", kind: "short", cell: (e) => <Duration start={e.startedAt} end={e.endedAt} running={false} /> },
          { id: "cleanup", header: "Clean-up", kind: "status", cell: (e) => (e.keepsInstances ? "—" : <Status map={CLEANUP} status={e.cleanup} />) },
          { id: "by", header: "By", kind: "short", cell: (e) => e.initiatedBy },
        ]}
      />
    </SpaceBetween>
  );
}

export default function Executions() {
  const active = useActiveExecutions();
  const [tab, setTab] = useState("active");
  return (
    <ContentLayout header={<Header variant="h1" description="Drills, recoveries and failbacks: what runs now, and what ran.">Executions</Header>}>
      <Tabs
        activeTabId={tab}
        onChange={({ detail }) => setTab(detail.activeTabId)}
        tabs={[
          { id: "active", label: `Active${active ? ` (${active.items.length})` : ""}`, content: <ActiveTable items={active?.items ?? []} loading={active === null} /> },
          // Mounted when shown, so that an execution that just ended is listed.
          { id: "history", label: "History", content: tab === "history" ? <History /> : null },
        ]}
      />
    </ContentLayout>
  );
}
