import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import { useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { can, useAuth } from "../auth/AuthContext";
import { ProblemAlert } from "../components/ProblemAlert";
import { Status } from "../components/Status";
import { Time } from "../components/Time";
import { useFollow } from "../lib/nav";
import { EXECUTION, MODE } from "../lib/status";
import { formatDuration, plural } from "../lib/time";
import { useApi } from "../lib/useApi";
import { DataTable } from "../components/DataTable";

export default function Plans() {
  const { me } = useAuth();
  const follow = useFollow();
  const navigate = useNavigate();
  const plans = useApi(() => unwrap(api.GET("/api/v1/readiness/plans")), []);
  const items = plans.data?.items ?? [];
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Waves of protection groups, launched in dependency order."
          actions={
            can(me, "configure") && (
              <Button variant="primary" onClick={() => navigate("/recovery-plans/new")}>
                Create recovery plan
              </Button>
            )
          }
        >
          Recovery plans
        </Header>
      }
    >
      <SpaceBetween size="l">
        <ProblemAlert error={plans.error} />
        <DataTable
          name="recovery-plans"
          loading={plans.loading}
          loadingText="Loading plans"
          items={items}
          header={<Header counter={`(${items.length})`}>Plans</Header>}
          empty={<Box color="text-body-secondary">No recovery plan yet.</Box>}
          columnDefinitions={[
            { id: "name", header: "Name", kind: "name", cell: (p) => <Link href={`/recovery-plans/${p.id}`} onFollow={follow}>{p.name}</Link> },
            { id: "waves", header: "Waves", kind: "short", cell: (p) => p.waves },
            { id: "version", header: "Version", kind: "short", cell: (p) => p.version },
            {
              id: "lint",
              header: "Lint", kind: "status",
              cell: (p) =>
                p.lintFailure ? (
                  <StatusIndicator type="warning">Not checked</StatusIndicator>
                ) : p.lintErrors ? (
                  <StatusIndicator type="error">{plural(p.lintErrors, "error")}</StatusIndicator>
                ) : (
                  <StatusIndicator type={p.lintWarnings ? "warning" : "success"}>{p.lintWarnings ? plural(p.lintWarnings, "warning") : "No errors or warnings"}</StatusIndicator>
                ),
            },
            {
              id: "last",
              header: "Last execution", kind: "text",
              cell: (p) =>
                p.lastExecution ? (
                  <Link href={`/executions/${p.lastExecution.id}`} onFollow={follow}>
                    <Status map={EXECUTION} status={p.lastExecution.status} /> {MODE[p.lastExecution.mode]}, <Time value={p.lastExecution.createdAt} />
                  </Link>
                ) : (
                  "Never run"
                ),
            },
            {
              id: "rto",
              header: "Last drill RTO / target", kind: "status",
              cell: (p) =>
                p.lastDrillRtoSeconds == null ? (
                  p.rtoTargetMinutes ? `— / ${formatDuration(p.rtoTargetMinutes * 60)}` : "—"
                ) : (
                  <StatusIndicator type={p.lastDrillRtoMet === false ? "error" : "success"}>
                    {formatDuration(p.lastDrillRtoSeconds)}
                    {p.rtoTargetMinutes ? ` / ${formatDuration(p.rtoTargetMinutes * 60)}` : ""}
                  </StatusIndicator>
                ),
            },
          ]}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
