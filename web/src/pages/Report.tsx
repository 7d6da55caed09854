// The execution's evidence report as a console page, in the console's own typography: the
// same facts as the HTML an auditor downloads (both come from the API's one report), with
// the HTML and JSON downloads beside it.
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import ExpandableSection from "@cloudscape-design/components/expandable-section";
import Header from "@cloudscape-design/components/header";
import KeyValuePairs from "@cloudscape-design/components/key-value-pairs";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import { useState } from "react";
import { useNavigate, useParams } from "react-router";
import { API, ApiError, unwrap, api } from "../api/client";
import type { CleanupStatus, Report as ReportData, Transition } from "../api/types";
import { ProblemAlert } from "../components/ProblemAlert";
import { Status } from "../components/Status";
import { Time } from "../components/Time";
import { useCrumb } from "../lib/crumbs";
import { NO_NAMES, PHASE } from "../lib/names";
import { cleanupShown, EXECUTION, HOOK, MODE, SERVER, WAVE } from "../lib/status";
import { formatDuration, plural, zoneName } from "../lib/time";
import { describe } from "../lib/transition";
import { useApi } from "../lib/useApi";
import { DataTable } from "../components/DataTable";

async function reportHtml(id: string): Promise<string> {
  const response = await fetch(`${API}/executions/${encodeURIComponent(id)}/report?format=html`, {
    credentials: "same-origin",
  });
  if (!response.ok) throw new ApiError(response.status, (await response.json().catch(() => ({}))) as object);
  return response.text();
}

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

type Line = Transition & { subjectName?: string | null; detailText?: string | null };

function eventText(t: Line, r: ReportData): string {
  const hosts = Object.fromEntries(r.servers.map((s) => [s.serverId, s.hostname || s.serverId]));
  const names = { ...NO_NAMES, hosts };
  if (t.kind === "hook" && t.subjectName) names.hooks = { [t.subject]: t.subjectName };
  return describe(t, names);
}

function CleanupState({ r }: { r: ReportData }) {
  const state = cleanupShown({ active: !r.endedAt, keepsInstances: r.keepsInstances, cleanup: r.cleanup.status as CleanupStatus, stillRunning: r.cleanup.stillRunning });
  return (
    <span data-testid="report-cleanup">
      <StatusIndicator type={state.type}>{state.label}</StatusIndicator>
      {state.detail && <Box variant="small">{state.detail}</Box>}
    </span>
  );
}

function Measured({ r }: { r: ReportData }) {
  if (r.measuredRtoSeconds == null) return <StatusIndicator type="stopped">Not measured: the service was not restored</StatusIndicator>;
  const target = r.rtoTargetMinutes ? ` against a ${formatDuration(r.rtoTargetMinutes * 60)} target: ${r.rtoMet ? "met" : "missed"}` : "";
  return <StatusIndicator type={r.rtoMet === false ? "error" : "success"}>{`${formatDuration(r.measuredRtoSeconds)}${target}`}</StatusIndicator>;
}

export default function Report() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const [fetching, setFetching] = useState(false);
  const [htmlError, setHtmlError] = useState<unknown>(null);
  const json = useApi(
    () => unwrap(api.GET("/api/v1/executions/{execution_id}/report", { params: { path: { execution_id: id }, query: { format: "json" } } })) as Promise<ReportData>,
    [id],
  );
  const r = json.data;
  useCrumb(r ? `${MODE[r.mode as keyof typeof MODE] ?? r.mode} of ${r.planName}` : null);
  const downloadHtml = async () => {
    setFetching(true);
    setHtmlError(null);
    try {
      download(`report-${id}.html`, await reportHtml(id), "text/html");
    } catch (failure) {
      setHtmlError(failure);
    } finally {
      setFetching(false);
    }
  };
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={r ? `${MODE[r.mode as keyof typeof MODE] ?? r.mode} of ${r.planName}, version ${r.planVersion} · execution ${r.executionId}` : undefined}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => navigate(`/executions/${id}`)}>Back to the execution</Button>
              <Button iconName="download" loading={fetching} onClick={() => void downloadHtml()}>
                Download HTML
              </Button>
              <Button disabled={!r} iconName="download" onClick={() => r && download(`report-${id}.json`, JSON.stringify(r, null, 2), "application/json")}>
                Download JSON
              </Button>
            </SpaceBetween>
          }
        >
          Execution report
        </Header>
      }
    >
      <SpaceBetween size="l">
        <ProblemAlert error={json.error} header="Could not load the report" />
        <ProblemAlert error={htmlError} header="Could not download the HTML report" />
        {!r && !json.error && <Box>Loading…</Box>}
        {r && (
          <>
            <Container header={<Header variant="h2">Summary</Header>}>
              <KeyValuePairs
                columns={4}
                items={[
                  { label: "Status", value: <Status map={EXECUTION} status={r.status} /> },
                  { label: "Measured RTO", value: <span data-testid="rto"><Measured r={r} /></span> },
                  { label: "Started by", value: r.initiatedBy },
                  { label: "Clean-up", value: <CleanupState r={r} /> },
                  { label: `Started (${zoneName()})`, value: <Time value={r.startedAt ?? r.createdAt} /> },
                  { label: "Ended", value: <Time value={r.endedAt} /> },
                  { label: "Recovery instances", value: `${r.cleanup.terminated} terminated, ${r.cleanup.stillRunning} still running` },
                  { label: "Report generated", value: <Time value={r.generatedAt} /> },
                ]}
              />
            </Container>
            {r.failures.length > 0 && (
              <Alert type="error" header={plural(r.failures.length, "failure")}>
                <ul>
                  {r.failures.map((f, i) => (
                    <li key={i}>{`${f.wave}${f.hostname ? `, ${f.hostname}` : ""}: ${f.reason}`}</li>
                  ))}
                </ul>
              </Alert>
            )}
            <DataTable
              name="report-waves"
              header={<Header variant="h2" counter={`(${r.waves.length})`}>Waves</Header>}
              items={r.waves}
              trackBy="name"
              columnDefinitions={[
                { id: "name", header: "Wave", kind: "text", cell: (w) => w.name },
                { id: "status", header: "Status", kind: "status", cell: (w) => <Status map={WAVE} status={w.status} /> },
                { id: "started", header: "Started", kind: "time", cell: (w) => <Time value={w.startedAt} compact /> },
                { id: "launch", header: "DRS launch", kind: "time", cell: (w) => <Time value={w.launchStartedAt} compact /> },
                { id: "ended", header: "Ended", kind: "time", cell: (w) => <Time value={w.endedAt} compact /> },
                { id: "duration", header: "Duration", kind: "short", cell: (w) => formatDuration(w.durationSeconds) },
                { id: "jobs", header: "DRS jobs", kind: "id", cell: (w) => (w.jobIds.length ? w.jobIds.map((j) => <div key={j}><code>{j}</code></div>) : "—") },
                { id: "failure", header: "Failure", kind: "long", cell: (w) => w.failure ?? "—" },
              ]}
            />
            <DataTable
              name="report-servers"
              header={<Header variant="h2" counter={`(${r.servers.length})`} description="Phases from DRS's job log.">Servers</Header>}
              items={r.servers}
              trackBy="serverId"
              columnDefinitions={[
                { id: "host", header: "Hostname", kind: "name", cell: (s) => s.hostname || s.serverId },
                { id: "wave", header: "Wave", kind: "text", hidden: true, cell: (s) => s.wave },
                { id: "status", header: "Status", kind: "status", cell: (s) => <Status map={SERVER} status={s.status} /> },
                { id: "instance", header: "Recovery instance", kind: "id", cell: (s) => (s.ec2InstanceId ? <code>{s.ec2InstanceId}</code> : "—") },
                { id: "job", header: "DRS job", kind: "id", cell: (s) => (s.jobId ? <code>{s.jobId}</code> : "—") },
                { id: "snapshot", header: "Snapshot", kind: "short", cell: (s) => formatDuration(s.phases.snapshot) },
                { id: "conversion", header: "Conversion", kind: "short", cell: (s) => formatDuration(s.phases.conversion) },
                { id: "launchPhase", header: "Launch", kind: "short", cell: (s) => formatDuration(s.phases.launch) },
                { id: "failure", header: "Failure", kind: "long", cell: (s) => s.failure ?? "—" },
              ]}
            />
            {r.approvals.length > 0 && (
              <DataTable
                name="report-approvals"
                header={<Header variant="h2">Approvals</Header>}
                items={r.approvals}
                columnDefinitions={[
                  { id: "wave", header: "Wave", kind: "text", cell: (a) => a.wave },
                  { id: "status", header: "Decision", kind: "status", cell: (a) => <Status map={HOOK} status={a.status} /> },
                  { id: "by", header: "By", kind: "short", cell: (a) => a.approvedBy ?? "—" },
                  { id: "role", header: "Role needed", kind: "short", cell: (a) => a.approverRole },
                  { id: "asked", header: "Requested", kind: "time", cell: (a) => <Time value={a.requestedAt} compact /> },
                  { id: "decided", header: "Decided", kind: "time", cell: (a) => <Time value={a.decidedAt} compact /> },
                  { id: "message", header: "Message", kind: "long", cell: (a) => a.message },
                ]}
              />
            )}
            {r.hooks.length > 0 && (
              <DataTable
                name="report-hooks"
                header={<Header variant="h2">Hooks</Header>}
                items={r.hooks}
                columnDefinitions={[
                  { id: "wave", header: "Wave", kind: "text", cell: (h) => h.wave },
                  { id: "phase", header: "When", kind: "text", cell: (h) => PHASE[h.phase as keyof typeof PHASE] ?? h.phase },
                  { id: "name", header: "Hook", kind: "text", cell: (h) => h.name },
                  { id: "status", header: "Status", kind: "status", cell: (h) => <Status map={HOOK} status={h.status} /> },
                  { id: "started", header: "Started", kind: "time", cell: (h) => <Time value={h.startedAt} compact /> },
                  { id: "ended", header: "Ended", kind: "time", cell: (h) => <Time value={h.endedAt} compact /> },
                  { id: "detail", header: "Detail", kind: "long", cell: (h) => h.detail ?? "—" },
                ]}
              />
            )}
            <Container>
              <ExpandableSection headerText={`Event log (${r.transitions.length})`} variant="footer">
                <DataTable
                  name="report-events"
                  variant="embedded"
                  items={r.transitions as Line[]}
                  trackBy="seq"
                  columnDefinitions={[
                    { id: "seq", header: "#", kind: "short", cell: (t) => t.seq },
                    { id: "at", header: `Time (${zoneName()})`, kind: "time", cell: (t) => <Time value={t.at} /> },
                    { id: "what", header: "Event", kind: "long", cell: (t) => eventText(t, r) },
                  ]}
                />
              </ExpandableSection>
            </Container>
          </>
        )}
      </SpaceBetween>
    </ContentLayout>
  );
}
