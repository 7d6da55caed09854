// Where the plan stands in the round trip (failover, reprotect, failback), each server's step
// home as DRS reports it, and what an operator may start from here: a reprotect and, once
// home and protected again, the release of the copies left in the recovery region.
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
import type { Release, SiteState } from "../api/types";
import { plural } from "../lib/time";
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

type Asking = "reprotect" | "release" | null;

/** What a release did, in a sentence, and each server DRS refused. */
function ReleaseOutcome({ done, onDismiss }: { done: Release; onDismiss: () => void }) {
  const failed = done.servers.filter((s) => s.outcome === "FAILED");
  return (
    <Alert
      type={failed.length ? "warning" : "success"}
      header={`${plural(done.released, "recovery instance")} released, ${done.skipped} skipped, ${done.failed} failed`}
      dismissible
      onDismiss={onDismiss}
    >
      {failed.length > 0 ? (
        <ul>
          {failed.map((s) => (
            <li key={s.sourceServerId}>
              {s.hostname || s.sourceServerId}: {s.detail}
            </li>
          ))}
        </ul>
      ) : (
        "Out of DRS: EC2 keeps the instances in the recovery region, to stop or terminate there."
      )}
    </Alert>
  );
}

export function SitePanel({ site, mayReprotect, onChange }: { site: SiteState; mayReprotect: boolean; onChange: () => void }) {
  const [asking, setAsking] = useState<Asking>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [released, setReleased] = useState<Release | null>(null);
  const home = site.state === "FAILED_BACK" || site.state === "RESTORING";
  // Once protected at home again, the copies left in the recovery region may go.
  // Home and protected again, each server whose recovery instance DRS still holds.
  const releasable =
    site.state === "PROTECTED"
      ? site.servers.filter((s) => s.leg === "PROTECTED" && s.recoveryInstanceId).length
      : 0;
  const path = { params: { path: { plan_id: site.planId } } };
  const act = async (call: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await call();
      setAsking(null);
      onChange();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const reprotect = () => act(async () => void (await unwrap(api.POST("/api/v1/recovery-plans/{plan_id}/reprotect", { ...path, body: {} }))));
  const release = () => act(async () => setReleased(await unwrap(api.POST("/api/v1/recovery-plans/{plan_id}/release-recovery-instances", path))));
  const ask = (what: Asking) => {
    setError(null);
    setAsking(what);
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
              <Button onClick={() => ask("reprotect")}>Reprotect</Button>
            ) : mayReprotect && releasable > 0 ? (
              <Button onClick={() => ask("release")}>Release recovery instances</Button>
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
        {released && <ReleaseOutcome done={released} onDismiss={() => setReleased(null)} />}
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
        visible={asking === "release"}
        onDismiss={() => setAsking(null)}
        header={`Release the recovery instances of ${site.planName}`}
        footer={<ModalFooter confirm="Release" onConfirm={() => void release()} onCancel={() => setAsking(null)} loading={busy} />}
      >
        <SpaceBetween size="m">
          <Box>
            {`${plural(releasable, "server")} ${releasable === 1 ? "has" : "have"} a recovery instance left in the recovery region from the recovery. Each is taken out of DRS (StopFailback where it still replicates back, then DisconnectRecoveryInstance); EC2 keeps the instances, to stop or terminate there. The plan runs at its origin and is protected again, so none of them is serving.`}
          </Box>
          <ProblemAlert error={error} header="The release did not start" />
        </SpaceBetween>
      </Modal>
      <Modal
        visible={asking === "reprotect"}
        onDismiss={() => setAsking(null)}
        header={`Reprotect ${site.planName}`}
        footer={<ModalFooter confirm="Reprotect" onConfirm={() => void reprotect()} onCancel={() => setAsking(null)} loading={busy} />}
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
