// Active executions, pushed live; history, newest first, with filters. A finished execution
// is never listed as active.
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Table from "@cloudscape-design/components/table";
import Tabs from "@cloudscape-design/components/tabs";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import type { ActiveExecutions, ExecutionStatus, ExecutionSummary, Mode } from "../api/types";
import { ProblemAlert } from "../components/ProblemAlert";
import { Status } from "../components/Status";
import { Duration, Time } from "../components/Time";
import { useEventStream } from "../lib/live";
import { useFollow } from "../lib/nav";
import { CLEANUP, EXECUTION, MODE } from "../lib/status";
import { useApi } from "../lib/useApi";
import { ActiveTable } from "./Dashboard";

const ENDED: ExecutionStatus[] = ["COMPLETED", "PARTIAL", "FAILED", "CANCELLED", "TIMED_OUT"];

function History() {
  const follow = useFollow();
  const [status, setStatus] = useState<ExecutionStatus | null>(null);
  const [mode, setMode] = useState<Mode | null>(null);
  const [pages, setPages] = useState<ExecutionSummary[][]>([]);
  const first = useApi(
    () => unwrap(api.GET("/api/v1/executions", { params: { query: { active: false, limit: 50, status: status ?? undefined, mode: mode ?? undefined } } })),
    [status, mode],
  );
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const next = cursor === undefined ? first.data?.nextCursor : cursor;
  const items = [...(first.data?.items ?? []), ...pages.flat()];
  const more = async () => {
    if (!next) return;
    const page = await unwrap(api.GET("/api/v1/executions", { params: { query: { active: false, limit: 50, cursor: next, status: status ?? undefined, mode: mode ?? undefined } } }));
    setPages([...pages, page.items]);
    setCursor(page.nextCursor ?? null);
  };
  const reset = () => {
    setPages([]);
    setCursor(undefined);
  };
  return (
    <SpaceBetween size="s">
      <ProblemAlert error={first.error} />
      <Table
        loading={first.loading}
        loadingText="Loading history"
        items={items}
        filter={
          <SpaceBetween direction="horizontal" size="xs">
            <Select
              selectedOption={status ? { value: status, label: EXECUTION[status].label } : { value: "", label: "Any outcome" }}
              options={[{ value: "", label: "Any outcome" }, ...ENDED.map((s) => ({ value: s, label: EXECUTION[s].label }))]}
              onChange={({ detail }) => {
                reset();
                setStatus((detail.selectedOption.value || null) as ExecutionStatus | null);
              }}
              ariaLabel="Filter by outcome"
            />
            <Select
              selectedOption={mode ? { value: mode, label: MODE[mode] } : { value: "", label: "Drills and recoveries" }}
              options={[
                { value: "", label: "Drills and recoveries" },
                { value: "DRILL", label: "Drills" },
                { value: "RECOVERY", label: "Recoveries" },
              ]}
              onChange={({ detail }) => {
                reset();
                setMode((detail.selectedOption.value || null) as Mode | null);
              }}
              ariaLabel="Filter by mode"
            />
          </SpaceBetween>
        }
        empty={<Box color="text-body-secondary">No finished execution.</Box>}
        footer={
          next ? (
            <Box textAlign="center">
              <Button onClick={() => void more()}>Load older executions</Button>
            </Box>
          ) : undefined
        }
        columnDefinitions={[
          { id: "plan", header: "Plan", cell: (e) => <Link href={`/executions/${e.id}`} onFollow={follow}>{e.planName}</Link> },
          { id: "mode", header: "Mode", cell: (e) => MODE[e.mode] },
          { id: "status", header: "Outcome", cell: (e) => <Status map={EXECUTION} status={e.status} /> },
          { id: "waves", header: "Waves", cell: (e) => `${e.wavesDone} of ${e.waves.length} ended` },
          { id: "started", header: "Started", cell: (e) => <Time value={e.startedAt ?? e.createdAt} /> },
          { id: "duration", header: "Duration", cell: (e) => <Duration start={e.startedAt} end={e.endedAt} running={false} /> },
          { id: "cleanup", header: "Clean-up", cell: (e) => (e.mode === "DRILL" ? <Status map={CLEANUP} status={e.cleanup} /> : "—") },
          { id: "by", header: "By", cell: (e) => e.initiatedBy },
        ]}
      />
    </SpaceBetween>
  );
}

export default function Executions() {
  const [active, setActive] = useState<ActiveExecutions | null>(null);
  const [tab, setTab] = useState("active");
  useEventStream("/executions/live", (m) => {
    if (m.event === "active") setActive(JSON.parse(m.data) as ActiveExecutions);
  });
  return (
    <ContentLayout header={<Header variant="h1" description="Drills and recoveries: what runs now, and what ran.">Executions</Header>}>
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
