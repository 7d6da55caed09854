// The execution's evidence report, as the API renders it, inside the console (the report
// is fetched with the session cookie and shown in a sandboxed frame).
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import { useNavigate, useParams } from "react-router";
import { API, ApiError, unwrap, api } from "../api/client";
import type { Report as ReportData } from "../api/types";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatDuration } from "../lib/time";
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

export default function Report() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const html = useApi(() => reportHtml(id), [id]);
  const json = useApi(
    () => unwrap(api.GET("/api/v1/executions/{execution_id}/report", { params: { path: { execution_id: id }, query: { format: "json" } } })) as Promise<ReportData>,
    [id],
  );
  const r = json.data;
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={r ? `${r.mode.toLowerCase()} of ${r.planName}, version ${r.planVersion}` : undefined}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => navigate(`/executions/${id}`)}>Back to the execution</Button>
              <Button disabled={!html.data} iconName="download" onClick={() => html.data && download(`report-${id}.html`, html.data, "text/html")}>
                HTML
              </Button>
              <Button disabled={!r} iconName="download" onClick={() => r && download(`report-${id}.json`, JSON.stringify(r, null, 2), "application/json")}>
                JSON
              </Button>
            </SpaceBetween>
          }
        >
          Execution report
        </Header>
      }
    >
      <SpaceBetween size="l">
        <ProblemAlert error={html.error || json.error} header="Could not load the report" />
        {r && (
          <Container>
            <Box variant="awsui-key-label">Measured RTO</Box>
            <span data-testid="rto">
              {r.measuredRtoSeconds == null ? (
                <StatusIndicator type="stopped">Not measured: the service was not restored</StatusIndicator>
              ) : (
                <StatusIndicator type={r.rtoMet === false ? "error" : "success"}>
                  {formatDuration(r.measuredRtoSeconds)}
                  {r.rtoTargetMinutes ? ` against a ${r.rtoTargetMinutes} min target: ${r.rtoMet ? "met" : "missed"}` : ""}
                </StatusIndicator>
              )}
            </span>
          </Container>
        )}
        {html.data && (
          <iframe
            title="Execution report"
            sandbox=""
            srcDoc={html.data}
            style={{ width: "100%", height: "75vh", border: "1px solid #d1d5db", borderRadius: 8, background: "white" }}
          />
        )}
      </SpaceBetween>
    </ContentLayout>
  );
}
