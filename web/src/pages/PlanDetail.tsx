import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import KeyValuePairs from "@cloudscape-design/components/key-value-pairs";
import Link from "@cloudscape-design/components/link";
import Modal from "@cloudscape-design/components/modal";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Tabs from "@cloudscape-design/components/tabs";
import { useEffect, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import type { ModeRow, PlanVersion } from "../api/types";
import { can, useAuth } from "../auth/AuthContext";
import { ModalFooter } from "../components/ModalFooter";
import { ProblemAlert } from "../components/ProblemAlert";
import { SitePanel } from "../components/SitePanel";
import { StartExecution } from "../components/StartExecution";
import { Status } from "../components/Status";
import { Duration, Time } from "../components/Time";
import { VersionDiff } from "../components/VersionDiff";
import { WaveGraph } from "../components/WaveGraph";
import { useFollow } from "../lib/nav";
import { toYaml } from "../lib/planYaml";
import { hookLabel } from "../lib/names";
import { EXECUTION, MODE, ON_FAILURE, SEVERITY } from "../lib/status";
import { formatDuration, plural } from "../lib/time";
import { useCrumb } from "../lib/crumbs";
import { useApi } from "../lib/useApi";
import { listGroups } from "../lib/groups";
import { DataTable } from "../components/DataTable";

function Versions({ planId, latest }: { planId: string; latest: number }) {
  const versions = useApi(() => unwrap(api.GET("/api/v1/recovery-plans/{plan_id}/versions", { params: { path: { plan_id: planId } } })), [planId, latest]);
  const [from, setFrom] = useState<number>(Math.max(1, latest - 1));
  const [to, setTo] = useState<number>(latest);
  const [texts, setTexts] = useState<[string, string] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const get = (v: number) =>
      unwrap(api.GET("/api/v1/recovery-plans/{plan_id}/versions/{version}", { params: { path: { plan_id: planId, version: v } } })).then((p: PlanVersion) => toYaml(p.plan));
    Promise.all([get(from), get(to)]).then((t) => setTexts(t), setError);
  }, [planId, from, to]);
  const options = (versions.data?.items ?? []).map((v) => ({ value: String(v.version), label: `Version ${v.version}`, description: `${v.createdBy}` }));
  return (
    <SpaceBetween size="l">
      <DataTable
        name="plan-versions"
        variant="embedded"
        loading={versions.loading}
        items={versions.data?.items ?? []}
        columnDefinitions={[
          { id: "v", header: "Version", kind: "short", cell: (v) => v.version },
          { id: "name", header: "Name", kind: "text", cell: (v) => v.name },
          { id: "at", header: "Saved", kind: "time", cell: (v) => <Time value={v.createdAt} /> },
          { id: "by", header: "By", kind: "short", cell: (v) => v.createdBy },
        ]}
      />
      <ColumnLayout columns={2}>
        <Select selectedOption={{ value: String(from), label: `Version ${from}` }} options={options} onChange={({ detail }) => setFrom(Number(detail.selectedOption.value))} ariaLabel="Compare from version" />
        <Select selectedOption={{ value: String(to), label: `Version ${to}` }} options={options} onChange={({ detail }) => setTo(Number(detail.selectedOption.value))} ariaLabel="Compare to version" />
      </ColumnLayout>
      <ProblemAlert error={error} />
      {texts && <VersionDiff before={texts[0]} after={texts[1]} />}
    </SpaceBetween>
  );
}

export default function PlanDetail() {
  const { id = "" } = useParams();
  const { me } = useAuth();
  const follow = useFollow();
  const navigate = useNavigate();
  const [starting, setStarting] = useState<ModeRow | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const plan = useApi(() => unwrap(api.GET("/api/v1/recovery-plans/{plan_id}", { params: { path: { plan_id: id } } })), [id]);
  const lint = useApi(() => unwrap(api.GET("/api/v1/recovery-plans/{plan_id}/lint", { params: { path: { plan_id: id } } })), [id]);
  const rto = useApi(() => unwrap(api.GET("/api/v1/recovery-plans/{plan_id}/rto-estimate", { params: { path: { plan_id: id } } })), [id]);
  const runs = useApi(() => unwrap(api.GET("/api/v1/executions", { params: { query: { planId: id, limit: 20 } } })), [id]);
  const groups = useApi(listGroups, []);
  const modes = useApi(() => unwrap(api.GET("/api/v1/modes")), []);
  const site = useApi(() => unwrap(api.GET("/api/v1/recovery-plans/{plan_id}/site-state", { params: { path: { plan_id: id } } })), [id]);
  const p = plan.data;
  useCrumb(p?.name);
  if (!p) return plan.error ? <ProblemAlert error={plan.error} header="Could not load the plan" /> : <Box>Loading…</Box>;
  const groupNames = Object.fromEntries((groups.data ?? []).map((g) => [g.id, g.name]));
  const groupName = (g: string) => groupNames[g] ?? g;
  const remove = async () => {
    try {
      await unwrap(api.DELETE("/api/v1/recovery-plans/{plan_id}", { params: { path: { plan_id: p.id }, header: { "If-Match": `"${p.version}"` } } }));
      navigate("/recovery-plans");
    } catch (failure) {
      setDeleteError(failure);
    }
  };
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={p.description || undefined}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              {can(me, "configure") && (
                <Box margin={{ right: "l" }}>
                  <Button iconName="remove" onClick={() => setDeleting(true)}>
                    Delete
                  </Button>
                </Box>
              )}
              {can(me, "configure") && (
                <Button iconName="edit" onClick={() => navigate(`/recovery-plans/${p.id}/edit`)}>
                  Edit
                </Button>
              )}
              {/* A start for each mode the caller may start and the site state allows; one that keeps its instances is not the primary. */}
              {[...(modes.data?.items ?? [])]
                .filter((m) => m.mayStart && (!m.siteAction || (site.data?.nextActions ?? []).includes(m.siteAction)))
                .sort((a, b) => Number(b.keepsInstances) - Number(a.keepsInstances))
                .map((m) => (
                  <Button key={m.mode} variant={m.keepsInstances ? "normal" : "primary"} onClick={() => setStarting(m)}>
                    Start {m.label.toLowerCase()}
                  </Button>
                ))}
            </SpaceBetween>
          }
        >
          {p.name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container>
          <KeyValuePairs
            columns={4}
            items={[
              { label: "Version", value: p.version },
              { label: "RTO target", value: p.rtoTargetMinutes ? formatDuration(p.rtoTargetMinutes * 60) : "None" },
              {
                label: "Estimated RTO",
                value: rto.data ? (
                  <StatusIndicator type={rto.data.atRisk ? "warning" : "info"}>
                    {rto.data.text}
                  </StatusIndicator>
                ) : (
                  "—"
                ),
              },
              { label: "Updated", value: <Time value={p.updatedAt} /> },
            ]}
          />
        </Container>
        {site.data ? <SitePanel site={site.data} mayReprotect={can(me, "run-recovery")} onChange={site.reload} /> : <ProblemAlert error={site.error} header="Could not read the site state" />}
        <Tabs
          tabs={[
            {
              id: "overview",
              label: "Waves",
              content: (
                <SpaceBetween size="l">
                  <Container header={<Header variant="h2">Dependency graph</Header>}>
                    <WaveGraph waves={p.waves} />
                  </Container>
                  <DataTable
                    name="plan-waves"
                    header={<Header variant="h2">Waves</Header>}
                    items={p.waves}
                    columnDefinitions={[
                      { id: "name", header: "Wave", kind: "name", cell: (w) => w.name },
                      { id: "groups", header: "Protection groups", kind: "text", cell: (w) => w.protectionGroupIds.map(groupName).join(", ") },
                      { id: "after", header: "Runs after", kind: "text", cell: (w) => (w.dependsOn?.length ? w.dependsOn.join(", ") : "Starts at once") },
                      { id: "gates", header: "Before launch", kind: "text", cell: (w) => [w.pauseBefore ? "Pause" : "", ...(w.preHooks ?? []).map((h) => (h.type === "manualApproval" ? `Manual approval (${h.approverRole ?? "operator"})` : hookLabel(h)))].filter(Boolean).join(", ") || "—" },
                      { id: "post", header: "After launch", kind: "text", cell: (w) => (w.postHooks ?? []).map(hookLabel).join(", ") || "—" },
                      { id: "failure", header: "On failure", kind: "short", cell: (w) => ON_FAILURE[w.onFailure ?? "stop"] },
                      { id: "timeout", header: "Timeout", kind: "short", cell: (w) => formatDuration((w.timeoutMinutes ?? 90) * 60) },
                    ]}
                  />
                </SpaceBetween>
              ),
            },
            {
              id: "lint",
              label: `Lint${lint.data ? ` (${plural(lint.data.errors, "error")}, ${plural(lint.data.warnings, "warning")})` : ""}`,
              content: (
                <SpaceBetween size="s">
                  <ProblemAlert error={lint.error} header="Lint could not run" />
                  <DataTable
                    name="plan-lint"
                    items={lint.data?.findings ?? []}
                    loading={lint.loading}
                    empty={<Box color="text-status-success">No findings.</Box>}
                    columnDefinitions={[
                      { id: "sev", header: "Severity", kind: "status", minWidth: 120, cell: (f) => <StatusIndicator type={f.severity === "error" ? "error" : f.severity === "warning" ? "warning" : "info"}>{SEVERITY[f.severity] ?? f.severity}</StatusIndicator> },
                      { id: "wave", header: "Wave", kind: "name", cell: (f) => f.wave ?? "—" },
                      { id: "msg", header: "Finding", kind: "long", cell: (f) => f.message },
                      { id: "fix", header: "Fix", kind: "long", cell: (f) => f.fix },
                    ]}
                  />
                </SpaceBetween>
              ),
            },
            {
              id: "yaml",
              label: "YAML",
              content: (
                <Container>
                  <pre aria-label="Plan YAML" className="code-text" style={{ margin: 0 }}>
                    {toYaml(p, groupNames)}
                  </pre>
                </Container>
              ),
            },
            { id: "versions", label: "Versions", content: <Versions planId={p.id} latest={p.version} /> },
            {
              id: "executions",
              label: "Executions",
              content: (
                <DataTable
                  name="plan-executions"
                  items={runs.data?.items ?? []}
                  loading={runs.loading}
                  empty={<Box>Never run.</Box>}
                  columnDefinitions={[
                    { id: "when", header: "Started", kind: "time", cell: (e) => <Link href={`/executions/${e.id}`} onFollow={follow}><Time value={e.createdAt} /></Link> },
                    { id: "mode", header: "Mode", kind: "short", cell: (e) => MODE[e.mode] },
                    { id: "status", header: "Status", kind: "status", cell: (e) => <Status map={EXECUTION} status={e.status} /> },
                    { id: "duration", header: "Duration", kind: "short", cell: (e) => <Duration start={e.startedAt} end={e.endedAt} running={e.active} /> },
                    { id: "by", header: "By", kind: "short", cell: (e) => e.initiatedBy },
                  ]}
                />
              ),
            },
          ]}
        />
      </SpaceBetween>
      {starting && <StartExecution plan={p} mode={starting} onClose={() => setStarting(null)} />}
      <Modal
        visible={deleting}
        onDismiss={() => setDeleting(false)}
        header={`Delete ${p.name}`}
        footer={<ModalFooter confirm="Delete" onConfirm={() => void remove()} onCancel={() => setDeleting(false)} />}
      >
        <SpaceBetween size="s">
          <Box>The plan and its versions are deleted; past executions and their reports stay.</Box>
          <ProblemAlert error={deleteError} header="The plan was not deleted" />
        </SpaceBetween>
      </Modal>
    </ContentLayout>
  );
}
