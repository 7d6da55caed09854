import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ContentLayout from "@cloudscape-design/components/content-layout";
import ExpandableSection from "@cloudscape-design/components/expandable-section";
import Header from "@cloudscape-design/components/header";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { ProblemAlert } from "../components/ProblemAlert";
import { Time } from "../components/Time";
import { zoneName } from "../lib/time";
import { usePaged } from "../lib/usePaged";
import { DataTable } from "../components/DataTable";

const TYPES = ["protection-group", "recovery-plan", "user", "api-token"];

export default function Audit() {
  const [type, setType] = useState<string | null>(null);
  const entries = usePaged(
    (cursor) => unwrap(api.GET("/api/v1/audit", { params: { query: { limit: 100, cursor, resourceType: type ?? undefined } } })),
    [type],
  );
  return (
    <ContentLayout header={<Header variant="h1" description="Every change, who made it and when; kept with the data.">Audit log</Header>}>
      <SpaceBetween size="l">
        <ProblemAlert error={entries.error} />
        <DataTable
          name="audit"
          loading={entries.loading}
          items={entries.items}
          filter={
            <Select
              selectedOption={type ? { value: type, label: type } : { value: "", label: "Every resource" }}
              options={[{ value: "", label: "Every resource" }, ...TYPES.map((t) => ({ value: t, label: t }))]}
              onChange={({ detail }) => setType(detail.selectedOption.value || null)}
              ariaLabel="Filter by resource type"
            />
          }
          empty={<Box>No entries.</Box>}
          footer={
            entries.more ? (
              <Box textAlign="center">
                <Button onClick={() => void entries.more?.()}>Load older entries</Button>
              </Box>
            ) : undefined
          }
          columnDefinitions={[
            { id: "at", header: `Time (${zoneName()})`, kind: "time", cell: (a) => <Time value={a.at} /> },
            { id: "actor", header: "Who", kind: "short", cell: (a) => a.actor },
            { id: "action", header: "Action", kind: "short", cell: (a) => a.action },
            { id: "what", header: "Resource", kind: "long", cell: (a) => `${a.resourceType} ${a.resourceId}` },
            {
              id: "change",
              header: "Change", kind: "text",
              cell: (a) =>
                a.before == null && a.after == null ? (
                  "—"
                ) : (
                  <ExpandableSection headerText="Before / after" variant="footer">
                    <pre style={{ fontSize: 12, maxWidth: 520, overflowX: "auto" }}>{JSON.stringify({ before: a.before, after: a.after }, null, 1)}</pre>
                  </ExpandableSection>
                ),
            },
          ]}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
