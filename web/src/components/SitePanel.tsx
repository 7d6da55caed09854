// Where the plan stands in the round trip (failover, reprotect, failback), each server's step
// home as DRS reports it, and the reprotect an operator may start from here.
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Container from "@cloudscape-design/components/container";
import Header from "@cloudscape-design/components/header";
import KeyValuePairs from "@cloudscape-design/components/key-value-pairs";
import Modal from "@cloudscape-design/components/modal";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator, { type StatusIndicatorProps } from "@cloudscape-design/components/status-indicator";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import type { SiteState } from "../api/types";
import { DataTable } from "./DataTable";
import { ModalFooter } from "./ModalFooter";
import { ProblemAlert } from "./ProblemAlert";
import { Time } from "./Time";

const STATE_TYPE: Record<SiteState["state"], StatusIndicatorProps.Type> = {
  PROTECTED: "success",
  RECOVERING: "in-progress",
  RECOVERED: "warning",
  REPROTECTING: "in-progress",
  REPROTECTED: "info",
  FAILING_BACK: "in-progress",
  FAILED_BACK: "warning",
  RESTORING: "in-progress",
};

const ACTION: Record<SiteState["nextActions"][number], string> = {
  recover: "Start a recovery",
  reprotect: "Reprotect",
  failback: "Start a failback",
  "failback-drill": "Start a failback drill",
};

export function SitePanel({ site, mayReprotect, onChange }: { site: SiteState; mayReprotect: boolean; onChange: () => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const home = site.state === "FAILED_BACK" || site.state === "RESTORING";
  const reprotect = async () => {
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST("/api/v1/recovery-plans/{plan_id}/reprotect", { params: { path: { plan_id: site.planId } }, body: {} }));
      setAsking(false);
      onChange();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const latest = site.reprotect;
  return (
    <Container
      header={
        <Header
          variant="h2"
          description="Where the plan's workloads stand in the round trip of a disaster, as DRS reports them now."
          actions={
            mayReprotect && site.nextActions.includes("reprotect") ? (
              <Button onClick={() => setAsking(true)}>Reprotect</Button>
            ) : undefined
          }
        >
          Site state
        </Header>
      }
    >
      <SpaceBetween size="m">
        <KeyValuePairs
          columns={4}
          items={[
            { label: "State", value: <StatusIndicator type={STATE_TYPE[site.state]}>{site.label}</StatusIndicator> },
            { label: "Since", value: site.since ? <Time value={site.since} /> : "Never moved" },
            { label: "Next", value: site.nextActions.length ? site.nextActions.map((a) => ACTION[a]).join(", ") : "Nothing to start until it ends" },
            {
              label: "Latest reprotect",
              value: latest ? `${latest.state.toLowerCase()}: ${latest.reversed} reversed, ${latest.skipped} skipped, ${latest.failed} failed` : "None",
            },
          ]}
        />
        {site.drsError && <Alert type="error" header="DRS could not be asked">{site.drsError}</Alert>}
        {site.blocking.length > 0 && (
          <Alert type="info" header={home ? "Not yet protected again" : "Not yet ready to fail back"}>
            <ul>
              {site.blocking.map((b) => (
                <li key={b}>{b}</li>
              ))}
            </ul>
          </Alert>
        )}
        <DataTable
          name="site-servers"
          variant="embedded"
          items={site.servers}
          empty={<Box>No servers.</Box>}
          columnDefinitions={[
            { id: "host", header: "Server", kind: "name", cell: (s) => s.hostname || s.sourceServerId },
            { id: "wave", header: "Wave", kind: "short", cell: (s) => s.wave },
            { id: "origin", header: "Origin", kind: "short", cell: (s) => (s.origin === "AWS" ? `AWS${s.reversedRegion ? ` (${s.reversedRegion})` : ""}` : `On premises${s.failbackLaunchType ? ` (client: ${s.failbackLaunchType})` : ""}`) },
            { id: "step", header: "Next step", kind: "long", cell: (s) => s.nextStep },
            { id: "repl", header: "Replication", kind: "short", cell: (s) => s.replication ?? "—" },
            { id: "error", header: "Error", kind: "text", cell: (s) => s.error ?? "—" },
          ]}
        />
      </SpaceBetween>
      <Modal
        visible={asking}
        onDismiss={() => setAsking(false)}
        header={`Reprotect ${site.planName}`}
        footer={<ModalFooter confirm="Reprotect" onConfirm={() => void reprotect()} onCancel={() => setAsking(false)} loading={busy} />}
      >
        <SpaceBetween size="m">
          <Box>
            {home
              ? "Each server's instance at its origin replicates into the recovery region again (ReverseReplication, wave by wave)."
              : "Each recovered server replicates back to its origin (ReverseReplication, wave by wave); on-premises origins wait for the DRS Failback Client."}
          </Box>
          <ProblemAlert error={error} header="The reprotect did not start" />
        </SpaceBetween>
      </Modal>
    </Container>
  );
}
