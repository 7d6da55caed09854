// Discovery: one account/region's DRS source servers, filterable, optionally selectable.
import { useCollection } from "@cloudscape-design/collection-hooks";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Pagination from "@cloudscape-design/components/pagination";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import TextFilter from "@cloudscape-design/components/text-filter";
import type { ReactNode } from "react";
import type { DiscoveredServer } from "../api/types";
import { formatDuration } from "../lib/time";
import { DataTable } from "./DataTable";
import { Time } from "./Time";

export function replicationIndicator(state: string): "success" | "warning" | "error" | "pending" {
  if (state === "CONTINUOUS") return "success";
  if (state === "STALLED" || state === "DISCONNECTED" || state === "STOPPED") return "error";
  if (state.includes("SYNC") || state === "INITIATING") return "pending";
  return "warning";
}

export function ServerTable({
  servers,
  loading,
  header,
  selected,
  onSelect,
  more,
  error,
}: {
  servers: DiscoveredServer[];
  loading: boolean;
  header: ReactNode;
  selected?: DiscoveredServer[];
  onSelect?: (servers: DiscoveredServer[]) => void;
  more?: (() => void) | null;
  error?: ReactNode;
}) {
  const { items, collectionProps, filterProps, paginationProps, filteredItemsCount } = useCollection(servers, {
    filtering: {
      filteringFunction: (s, text) => {
        const needle = text.toLowerCase();
        return [s.hostname, s.sourceServerId, s.replicationState, s.protectionGroupName ?? "", ...Object.entries(s.tags).map(([k, v]) => `${k}=${v}`)]
          .join(" ")
          .toLowerCase()
          .includes(needle);
      },
    },
    pagination: { pageSize: 25 },
    sorting: { defaultState: { sortingColumn: { sortingField: "hostname" } } },
  });
  return (
    <DataTable
      name="source-servers"
      {...collectionProps}
      header={header}
      loading={loading}
      loadingText="Asking DRS for its source servers"
      items={items}
      trackBy="sourceServerId"
      selectionType={onSelect ? "multi" : undefined}
      selectedItems={selected}
      onSelectionChange={({ detail }) => onSelect?.(detail.selectedItems)}
      isItemDisabled={(s) => !s.selectable}
      ariaLabels={{
        selectionGroupLabel: "Server selection",
        itemSelectionLabel: (_, s) => `Select ${s.hostname}${s.selectable ? "" : ` (in ${s.protectionGroupName})`}`,
        allItemsSelectionLabel: () => "Select all servers",
      }}
      filter={<TextFilter {...filterProps} filteringPlaceholder="Find by hostname, ID, state, group or tag" filteringAriaLabel="Filter servers" countText={`${filteredItemsCount ?? 0} matches`} />}
      pagination={<Pagination {...paginationProps} ariaLabels={{ nextPageLabel: "Next page", previousPageLabel: "Previous page", pageLabel: (n) => `Page ${n} of all pages` }} />}
      footer={
        more ? (
          <Box textAlign="center">
            <Button onClick={more}>Load more servers</Button>
          </Box>
        ) : undefined
      }
      empty={error ?? <Box color="text-body-secondary">No source servers here.</Box>}
      columnDefinitions={[
        { id: "hostname", header: "Hostname", kind: "name", cell: (s) => s.hostname, sortingField: "hostname" },
        { id: "id", header: "Source server ID", kind: "id", cell: (s) => <code>{s.sourceServerId}</code> },
        {
          id: "replication",
          header: "Replication",
          kind: "status",
          cell: (s) => <StatusIndicator type={replicationIndicator(s.replicationState)}>{s.replicationState.toLowerCase().replace(/_/g, " ")}</StatusIndicator>,
          sortingField: "replicationState",
        },
        { id: "lag", header: "Lag", kind: "short", cell: (s) => formatDuration(s.lagSeconds), sortingComparator: (a, b) => (a.lagSeconds ?? -1) - (b.lagSeconds ?? -1) },
        { id: "seen", header: "Last seen", kind: "time", cell: (s) => <Time value={s.lastSeenAt} compact /> },
        { id: "drill", header: "Last drill", kind: "time", cell: (s) => (s.lastDrillAt ? <Time value={s.lastDrillAt} compact /> : <StatusIndicator type="warning">Never</StatusIndicator>) },
        { id: "group", header: "Protection group", kind: "text", cell: (s) => s.protectionGroupName ?? "—" },
        { id: "tags", header: "Tags", kind: "text", cell: (s) => Object.entries(s.tags).map(([k, v]) => `${k}=${v}`).join(", ") || "—" },
      ]}
    />
  );
}
