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
import Table from "@cloudscape-design/components/table";
import { useState } from "react";
import { useNavigate, useParams } from "react-router";
import { API, ApiError, unwrap, api } from "../api/client";
import type { Report as ReportData, Transition } from "../api/types";
import { ProblemAlert } from "../components/ProblemAlert";
import { Status } from "../components/Status";
import { Time } from "../components/Time";
import { useCrumb } from "../lib/crumbs";
import { NO_NAMES, PHASE } from "../lib/names";
import { CLEANUP, EXECUTION, HOOK, MODE, SERVER, WAVE } from "../lib/status";
import { formatDuration, plural, zoneName } from "../lib/time";
import { describe } from "../lib/transition";
import { useApi } from "../lib/useApi";

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
                  { label: "Clean-up", value: <Status map={CLEANUP} status={r.cleanup.status} /> },
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
            <Table
              header={<Header variant="h2" counter={`(${r.waves.length})`}>Waves</Header>}
              items={r.waves}
              trackBy="name"
              wrapLines
              columnDefinitions={[
                { id: "name", header: "Wave", cell: (w) => w.name },
                { id: "status", header: "Status", cell: (w) => <Status map={WAVE} status={w.status} /> },
                { id: "started", header: "Started", cell: (w) => <Time value={w.startedAt} compact /> },
                { id: "launch", header: "DRS launch", cell: (w) => <Time value={w.launchStartedAt} compact /> },
                { id: "ended", header: "Ended", cell: (w) => <Time value={w.endedAt} compact /> },
                { id: "duration", header: "Duration", cell: (w) => formatDuration(w.durationSeconds) },
                { id: "jobs", header: "DRS jobs", cell: (w) => (w.jobIds.length ? w.jobIds.map((j) => <div key={j}><code>{j}</code></div>) : "—") },
                { id: "failure", header: "Failure", cell: (w) => w.failure ?? "—" },
              ]}
            />
            <Table
              header={<Header variant="h2" counter={`(${r.servers.length})`} description="Phases from DRS's job log.">Servers</Header>}
              items={r.servers}
              trackBy="serverId"
              wrapLines
              columnDefinitions={[
                { id: "host", header: "Hostname", cell: (s) => s.hostname || s.serverId },
                { id: "wave", header: "Wave", cell: (s) => s.wave },
                { id: "status", header: "Status", cell: (s) => <Status map={SERVER} status={s.status} /> },
                { id: "instance", header: "Recovery instance", cell: (s) => (s.ec2InstanceId ? <code>{s.ec2InstanceId}</code> : "—") },
                { id: "job", header: "DRS job", cell: (s) => (s.jobId ? <code>{s.jobId}</code> : "—") },
                { id: "snapshot", header: "Snapshot", cell: (s) => formatDuration(s.phases.snapshot) },
                { id: "conversion", header: "Conversion", cell: (s) => formatDuration(s.phases.conversion) },
                { id: "launchPhase", header: "Launch", cell: (s) => formatDuration(s.phases.launch) },
                { id: "failure", header: "Failure", cell: (s) => s.failure ?? "—" },
              ]}
            />
            {r.approvals.length > 0 && (
              <Table
                header={<Header variant="h2">Approvals</Header>}
                items={r.approvals}
                wrapLines
                columnDefinitions={[
                  { id: "wave", header: "Wave", cell: (a) => a.wave },
                  { id: "status", header: "Decision", cell: (a) => <Status map={HOOK} status={a.status} /> },
                  { id: "by", header: "By", cell: (a) => a.approvedBy ?? "—" },
                  { id: "role", header: "Role needed", cell: (a) => a.approverRole },
                  { id: "asked", header: "Requested", cell: (a) => <Time value={a.requestedAt} compact /> },
                  { id: "decided", header: "Decided", cell: (a) => <Time value={a.decidedAt} compact /> },
                  { id: "message", header: "Message", cell: (a) => a.message },
                ]}
              />
            )}
            {r.hooks.length > 0 && (
              <Table
                header={<Header variant="h2">Hooks</Header>}
                items={r.hooks}
                wrapLines
                columnDefinitions={[
                  { id: "wave", header: "Wave", cell: (h) => h.wave },
                  { id: "phase", header: "When", cell: (h) => PHASE[h.phase as keyof typeof PHASE] ?? h.phase },
                  { id: "name", header: "Hook", cell: (h) => h.name },
                  { id: "status", header: "Status", cell: (h) => <Status map={HOOK} status={h.status} /> },
                  { id: "started", header: "Started", cell: (h) => <Time value={h.startedAt} compact /> },
                  { id: "ended", header: "Ended", cell: (h) => <Time value={h.endedAt} compact /> },
                  { id: "detail", header: "Detail", cell: (h) => h.detail ?? "—" },
                ]}
              />
            )}
            <Container>
              <ExpandableSection headerText={`Event log (${r.transitions.length})`} variant="footer">
                <Table
                  variant="embedded"
                  items={r.transitions as Line[]}
                  trackBy="seq"
                  wrapLines
                  columnDefinitions={[
                    { id: "seq", header: "#", cell: (t) => t.seq },
                    { id: "at", header: `Time (${zoneName()})`, cell: (t) => <Time value={t.at} /> },
                    { id: "what", header: "Event", cell: (t) => eventText(t, r) },
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
