import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useNavigate } from "react-router";
import { can, useAuth } from "../auth/AuthContext";
import { ProblemAlert } from "../components/ProblemAlert";
import { Time } from "../components/Time";
import { useFollow } from "../lib/nav";
import { listGroups } from "../lib/groups";
import { useApi } from "../lib/useApi";
import { DataTable } from "../components/DataTable";

export default function Groups() {
  const { me } = useAuth();
  const follow = useFollow();
  const navigate = useNavigate();
  const groups = useApi(listGroups, []);
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Sets of source servers recovered together, chosen by hand or by tags."
          actions={
            can(me, "configure") && (
              <Button variant="primary" onClick={() => navigate("/protection-groups/new")}>
                Create protection group
              </Button>
            )
          }
        >
          Protection groups
        </Header>
      }
    >
      <SpaceBetween size="l">
        <ProblemAlert error={groups.error} />
        <DataTable
          name="protection-groups"
          loading={groups.loading}
          loadingText="Loading protection groups"
          items={groups.data ?? []}
          header={<Header counter={groups.data ? `(${groups.data.length})` : undefined}>Groups</Header>}
          empty={<Box color="text-body-secondary">No protection group yet.</Box>}
          columnDefinitions={[
            { id: "name", header: "Name", kind: "name", cell: (g) => <Link href={`/protection-groups/${g.id}`} onFollow={follow}>{g.name}</Link> },
            { id: "place", header: "Account / region", kind: "text", cell: (g) => `${g.accountId} / ${g.region}` },
            { id: "how", header: "Selection", kind: "text", cell: (g) => (g.serverSelector ? `Tags: ${Object.entries(g.serverSelector.tags).map(([k, v]) => `${k}=${v}`).join(", ")}` : "Chosen servers") },
            { id: "servers", header: "Servers", kind: "short", cell: (g) => g.serverIds.length },
            { id: "updated", header: "Updated", kind: "time", cell: (g) => <Time value={g.updatedAt} /> },
            { id: "by", header: "By", kind: "short", cell: (g) => g.createdBy },
          ]}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
