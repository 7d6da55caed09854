// Readiness at a glance: the estate's replication and drill coverage, the plans' health,
// and what is running now (pushed live).
import Box from "@cloudscape-design/components/box";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import { api, unwrap } from "../api/client";
import { ActiveTable, useActiveExecutions } from "../components/ActiveTable";
import { ProblemAlert } from "../components/ProblemAlert";
import { Time } from "../components/Time";
import { useFollow } from "../lib/nav";
import { formatDuration, plural } from "../lib/time";
import { useApi } from "../lib/useApi";
import { DataTable } from "../components/DataTable";

function Counter({ label, value, tone }: { label: string; value: number | string; tone?: "error" | "warning" | "success" }) {
  const color = tone === "error" ? "text-status-error" : tone === "warning" ? "text-status-warning" : tone === "success" ? "text-status-success" : undefined;
  return (
    <div>
      <Box variant="awsui-key-label">{label}</Box>
      <Box variant="awsui-value-large" color={color}>
        {value}
      </Box>
    </div>
  );
}

export default function Dashboard() {
  const follow = useFollow();
  const servers = useApi(() => unwrap(api.GET("/api/v1/readiness/servers", { params: { query: { staleDays: 30 } } })), []);
  const plans = useApi(() => unwrap(api.GET("/api/v1/readiness/plans")), []);
  const active = useActiveExecutions();
  const s = servers.data;
  const unhealthy = s ? s.total - (s.byReplicationState.CONTINUOUS ?? 0) : 0;
  const planItems = plans.data?.items ?? [];
  return (
    <ContentLayout header={<Header variant="h1" description="How ready the estate and the plans are, now.">Dashboard</Header>}>
      <SpaceBetween size="l">
        <Container header={<Header variant="h2" counter={active ? `(${active.items.length})` : undefined}>Active executions</Header>}>
          <ActiveTable items={active?.items ?? []} loading={active === null} />
        </Container>
        <Container header={<Header variant="h2" description={s ? `Account ${s.accountId}, ${s.regions.length} regions with DRS` : undefined}>Source servers</Header>}>
          <ProblemAlert error={servers.error} header="Could not read the source servers" />
          {s && (
            <SpaceBetween size="l">
              <ColumnLayout columns={4} variant="text-grid">
                <Counter label="Servers" value={s.total} />
                <Counter label="Not replicating continuously" value={unhealthy} tone={unhealthy ? "error" : "success"} />
                <Counter label="Never drilled" value={s.neverDrilled} tone={s.neverDrilled ? "warning" : "success"} />
                <Counter label={`Not drilled in ${s.staleDays} days, or never`} value={s.stale + s.neverDrilled} tone={s.stale + s.neverDrilled ? "warning" : "success"} />
              </ColumnLayout>
              <ColumnLayout columns={2} variant="text-grid">
                <div>
                  <Box variant="awsui-key-label">By replication state</Box>
                  {Object.entries(s.byReplicationState).map(([state, n]) => (
                    <div key={state}>
                      <StatusIndicator type={state === "CONTINUOUS" ? "success" : state.includes("STALL") || state === "DISCONNECTED" ? "error" : "warning"}>
                        {state.toLowerCase().replace(/_/g, " ")}: {n}
                      </StatusIndicator>
                    </div>
                  ))}
                </div>
                <div>
                  <Box variant="awsui-key-label">By replication lag</Box>
                  {Object.entries(s.byLag).map(([bucket, n]) => (
                    <div key={bucket}>
                      {bucket}: {n}
                    </div>
                  ))}
                </div>
              </ColumnLayout>
              {s.regions.some((r) => r.error) && (
                <Box color="text-status-error">
                  {s.regions.filter((r) => r.error).map((r) => `${r.region}: ${r.error}`).join("; ")}
                </Box>
              )}
              <DataTable
                name="needs-attention"
                variant="embedded"
                header={<Header variant="h3" description="Most urgent first: stopped replication, then replication not yet continuous, then drills never or not recently run.">Needs attention</Header>}
                items={s.attention}
                empty={<Box color="text-body-secondary">Every server replicates and was drilled recently.</Box>}
                columnDefinitions={[
                  { id: "host", header: "Hostname", kind: "name", cell: (a) => a.hostname },
                  { id: "region", header: "Region", kind: "short", cell: (a) => a.region },
                  { id: "why", header: "Why", kind: "status", cell: (a) => <StatusIndicator type={a.severity}>{a.reason.replace(/^./, (c) => c.toUpperCase())}</StatusIndicator> },
                  { id: "lag", header: "Lag", kind: "short", cell: (a) => formatDuration(a.lagSeconds) },
                  { id: "drill", header: "Last drill", kind: "time", cell: (a) => <Time value={a.lastDrillAt} /> },
                ]}
              />
            </SpaceBetween>
          )}
        </Container>
        <Container header={<Header variant="h2">Recovery plans</Header>}>
          <ProblemAlert error={plans.error} header="Could not read the plans" />
          <DataTable
            name="plan-readiness"
            variant="embedded"
            loading={plans.loading}
            loadingText="Checking the plans"
            items={planItems}
            empty={<Box color="text-body-secondary">No recovery plan yet.</Box>}
            columnDefinitions={[
              { id: "name", header: "Plan", kind: "name", cell: (p) => <Link href={`/recovery-plans/${p.id}`} onFollow={follow}>{p.name}</Link> },
              {
                id: "lint",
                header: "Lint", kind: "status",
                cell: (p) =>
                  p.lintFailure ? (
                    <StatusIndicator type="warning">Not checked: {p.lintFailure}</StatusIndicator>
                  ) : p.lintErrors ? (
                    <StatusIndicator type="error">{plural(p.lintErrors, "error")}</StatusIndicator>
                  ) : p.lintWarnings ? (
                    <StatusIndicator type="warning">{plural(p.lintWarnings, "warning")}</StatusIndicator>
                  ) : (
                    <StatusIndicator type="success">No errors or warnings</StatusIndicator>
                  ),
              },
              { id: "drill", header: "Last drill", kind: "time", cell: (p) => (p.lastDrill ? <Time value={p.lastDrill.endedAt ?? p.lastDrill.createdAt} /> : <StatusIndicator type="warning">Never drilled</StatusIndicator>) },
              {
                id: "rto",
                header: "Measured RTO / target", kind: "status",
                cell: (p) =>
                  p.lastDrillRtoSeconds == null ? (
                    "—"
                  ) : (
                    <StatusIndicator type={p.lastDrillRtoMet === false ? "error" : p.lastDrillRtoMet ? "success" : "info"}>
                      {formatDuration(p.lastDrillRtoSeconds)}
                      {p.rtoTargetMinutes ? ` / ${formatDuration(p.rtoTargetMinutes * 60)}` : ""}
                    </StatusIndicator>
                  ),
              },
            ]}
          />
        </Container>
      </SpaceBetween>
    </ContentLayout>
  );
}
