// A protection group's launch settings: each server's effective values and where they come
// from, drift against what DRS and the launch templates hold, bulk overrides, the settings
// document (YAML), and applying them.
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import Modal from "@cloudscape-design/components/modal";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Textarea from "@cloudscape-design/components/textarea";
import { useEffect, useState } from "react";
import { api, ApiError, unwrap } from "../api/client";
import type { LaunchApply, LaunchSettingsDoc, ServerLaunchStatus, SyncState } from "../api/types";
import { can, useAuth } from "../auth/AuthContext";
import { fromYaml, settingsOf, shownValue, sourceLabel, toYaml, withOverrides, type LaunchSettings, type LaunchValues } from "../lib/launch";
import { LAUNCH_SYNC } from "../lib/status";
import { plural } from "../lib/time";
import { useApi } from "../lib/useApi";
import { DataTable } from "./DataTable";
import { ModalFooter } from "./ModalFooter";
import { ProblemAlert } from "./ProblemAlert";
import { Status } from "./Status";
import { Time } from "./Time";

const STATES: SyncState[] = ["IN_SYNC", "DRIFTED", "NOT_APPLIED", "FAILED"];
// A person is watching an apply: once a second is enough, and light on the API.
const FOLLOW_MS = 1000;

const NOWRAP = { whiteSpace: "nowrap" } as const;

function Effective({ server, field, note }: { server: ServerLaunchStatus; field: string; note?: (value: unknown) => string | undefined }) {
  const found = server.effective[field];
  if (!found) return <Box color="text-body-secondary">Not managed</Box>;
  const differs = server.differing.includes(field);
  const values = Array.isArray(found.value) ? found.value.map(String) : [shownValue(found.value)];
  const extra = note?.(found.value);
  return (
    <span>
      {values.map((v, i) => (
        <span key={v} style={NOWRAP}>
          {v}
          {i < values.length - 1 ? ", " : ""}
        </span>
      ))}
      {extra && (
        <Box variant="small" display="block" color="text-body-secondary">
          {extra}
        </Box>
      )}
      <Box variant="small" display="block" color={differs ? "text-status-warning" : "text-body-secondary"}>
        {sourceLabel(found.source)}
        {differs ? ` · held: ${shownValue(server.held[field])}` : ""}
      </Box>
    </span>
  );
}

function useSettings(groupId: string) {
  return useApi(() => unwrap(api.GET("/api/v1/protection-groups/{group_id}/launch-settings", { params: { path: { group_id: groupId } } })), [groupId]);
}

function useStatus(groupId: string) {
  return useApi(() => unwrap(api.GET("/api/v1/protection-groups/{group_id}/launch-settings/status", { params: { path: { group_id: groupId } } })), [groupId]);
}

/** An apply, followed until it ends. */
function useApply(groupId: string, ended: () => void) {
  const [apply, setApply] = useState<LaunchApply | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (apply?.state !== "RUNNING") return;
    const timer = setTimeout(() => {
      unwrap(api.GET("/api/v1/protection-groups/{group_id}/launch-settings/applies/{apply_id}", { params: { path: { group_id: groupId, apply_id: apply.id } } })).then(
        (next) => {
          setApply(next);
          if (next.state !== "RUNNING") ended();
        },
        setError,
      );
    }, FOLLOW_MS);
    return () => clearTimeout(timer);
  }, [apply, groupId, ended]);
  const start = async (version: number) => {
    setError(null);
    try {
      setApply(await unwrap(api.POST("/api/v1/protection-groups/{group_id}/launch-settings/apply", { params: { path: { group_id: groupId }, header: { "If-Match": `"${version}"` } } })));
    } catch (failure) {
      setError(failure);
    }
  };
  return { apply, error, start };
}

function ApplyResult({ apply }: { apply: LaunchApply }) {
  const counts = `${plural(apply.servers, "server")}: ${apply.changed} changed, ${apply.unchanged} unchanged, ${apply.failed} failed`;
  if (apply.state === "RUNNING") return <Alert type="info" header={`Applying version ${apply.settingsVersion}…`}>Only what differs is written.</Alert>;
  return (
    <Alert type={apply.state === "COMPLETED" ? "success" : "error"} header={apply.state === "COMPLETED" ? `Applied version ${apply.settingsVersion}` : `Apply of version ${apply.settingsVersion} failed`}>
      {counts}
      {apply.error && <div>{apply.error}</div>}
      {apply.failures.length > 0 && (
        <ul>
          {apply.failures.map((f) => (
            <li key={f.sourceServerId}>
              <code>{f.sourceServerId}</code>: {f.error}
            </li>
          ))}
        </ul>
      )}
    </Alert>
  );
}

interface OverrideForm {
  instanceType: string;
  subnetId: string;
  securityGroupIds: string;
  privateIp: string;
}

const EMPTY_FORM: OverrideForm = { instanceType: "", subnetId: "", securityGroupIds: "", privateIp: "" };

function overrideValues(form: OverrideForm): LaunchValues {
  const values: Record<string, unknown> = {};
  if (form.instanceType.trim()) values.instanceType = form.instanceType.trim();
  if (form.subnetId.trim()) values.subnetId = form.subnetId.trim();
  const groups = form.securityGroupIds.split(/[\s,]+/).filter(Boolean);
  if (groups.length) values.securityGroupIds = groups;
  if (form.privateIp.trim()) {
    values.privateIp = form.privateIp.trim();
    values.copyPrivateIp = false; // a static IP needs it off (DRS)
  }
  return values as LaunchValues;
}

export function LaunchSettingsTab({ groupId }: { groupId: string }) {
  const { me } = useAuth();
  const mayConfigure = can(me, "configure");
  const settings = useSettings(groupId);
  const status = useStatus(groupId);
  const { apply, error: applyError, start } = useApply(groupId, status.reload);
  const [selected, setSelected] = useState<ServerLaunchStatus[]>([]);
  const [editing, setEditing] = useState(false);
  const [form, setForm] = useState<OverrideForm>(EMPTY_FORM);
  const [text, setText] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const doc: LaunchSettingsDoc | null = settings.data;
  const latest = apply ?? status.data?.latestApply ?? null;

  const save = async (next: LaunchSettings) => {
    if (!doc) return false;
    setBusy(true);
    setSaveError(null);
    try {
      await unwrap(api.PUT("/api/v1/protection-groups/{group_id}/launch-settings", { params: { path: { group_id: groupId }, header: { "If-Match": `"${doc.version}"` } }, body: next }));
      settings.reload();
      status.reload();
      return true;
    } catch (failure) {
      setSaveError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const saveText = async () => {
    const parsed = fromYaml(text ?? "");
    if (!parsed.settings) {
      setSaveError(new Error(parsed.error ?? "Not YAML"));
      return;
    }
    if (await save(parsed.settings)) setText(null);
  };
  const saveOverrides = async (values: LaunchValues | null) => {
    if (!doc) return;
    const ids = selected.map((s) => s.sourceServerId);
    if (await save(withOverrides(settingsOf(doc), ids, values))) {
      setEditing(false);
      setForm(EMPTY_FORM);
    }
  };
  const openOverrides = () => {
    const only = selected.length === 1 && selected[0] ? (doc?.overrides?.[selected[0].sourceServerId] ?? {}) : {};
    setForm({
      instanceType: only.instanceType ?? "",
      subnetId: only.subnetId ?? "",
      securityGroupIds: (only.securityGroupIds ?? []).join(", "),
      privateIp: only.privateIp ?? "",
    });
    setSaveError(null);
    setEditing(true);
  };
  const subnets = status.data?.subnets ?? {};
  const cidrOf = (value: unknown) => (typeof value === "string" ? subnets[value]?.cidr : undefined);
  const chosenSubnet = form.subnetId.trim() || (selected[0]?.effective.subnetId?.value as string | undefined);
  const chosenCidr = chosenSubnet ? cidrOf(chosenSubnet) : undefined;
  const fieldError = (name: string) =>
    saveError instanceof ApiError ? saveError.errors.find((e) => e.field.endsWith(`.${name}`))?.message : undefined;
  const counts = status.data?.counts ?? {};
  const unsynced = STATES.filter((s) => s !== "IN_SYNC").reduce((n, s) => n + (counts[s] ?? 0), 0);

  return (
    <SpaceBetween size="l">
      <ProblemAlert error={settings.error} header="Could not read the launch settings" />
      <ProblemAlert error={applyError} header="The launch settings were not applied" />
      {latest && <ApplyResult apply={latest} />}
      <Container
        header={
          <Header
            variant="h2"
            description="What each server launches with, where each value comes from, and whether DRS and its launch template hold it now."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button iconName="refresh" ariaLabel="Check again" onClick={status.reload} loading={status.loading} />
                {mayConfigure && (
                  <Button variant="primary" disabled={!doc || doc.version === 0 || apply?.state === "RUNNING"} loading={apply?.state === "RUNNING"} onClick={() => doc && void start(doc.version)}>
                    Apply to DRS and EC2
                  </Button>
                )}
              </SpaceBetween>
            }
          >
            Drift
          </Header>
        }
      >
        <ColumnLayout columns={4} variant="text-grid">
          {STATES.map((state) => (
            <div key={state}>
              <Box variant="awsui-key-label">
                <Status map={LAUNCH_SYNC} status={state} />
              </Box>
              <Box fontSize="display-l" fontWeight="bold">
                <span data-launch-count={state}>{status.data ? (counts[state] ?? 0) : "…"}</span>
              </Box>
            </div>
          ))}
        </ColumnLayout>
        {status.data && doc?.version === 0 && <Box color="text-body-secondary">No launch settings saved: servers launch with whatever DRS and their templates hold.</Box>}
        {status.data && doc && doc.version > 0 && unsynced > 0 && <Box color="text-status-warning">{unsynced === 1 ? "1 server does" : `${unsynced} servers do`} not hold version {doc.version}: apply it before a drill, or let the plan re-apply it (launchSettings: reapply).</Box>}
      </Container>
      <ProblemAlert error={status.error} header="DRS or EC2 did not answer" />
      <DataTable
        name="launch-settings"
        loading={status.loading && !status.data}
        loadingText="Asking DRS and EC2"
        items={status.data?.servers ?? []}
        trackBy="sourceServerId"
        selectionType={mayConfigure ? "multi" : undefined}
        selectedItems={selected}
        onSelectionChange={({ detail }) => setSelected(detail.selectedItems)}
        ariaLabels={{ selectionGroupLabel: "Servers", itemSelectionLabel: (_, s) => s.hostname, allItemsSelectionLabel: () => "All servers" }}
        header={
          <Header
            counter={status.data ? `(${status.data.servers.length})` : undefined}
            actions={
              mayConfigure && (
                <Button disabled={selected.length === 0 || !doc} onClick={openOverrides}>
                  Edit overrides{selected.length ? ` (${selected.length})` : ""}
                </Button>
              )
            }
          >
            Servers
          </Header>
        }
        empty={<Box color="text-body-secondary">This group has no servers.</Box>}
        columnDefinitions={[
          { id: "server", header: "Server", kind: "name", cell: (s) => (
              <span>
                {s.hostname}
                <Box variant="small" display="block" color="text-body-secondary">
                  <span style={{ whiteSpace: "nowrap" }}>{s.sourceServerId}</span>
                </Box>
              </span>
            ),
          },
          { id: "state", header: "State", kind: "status", cell: (s) => <Status map={LAUNCH_SYNC} status={s.state} /> },
          { id: "differs", header: "Differs", kind: "text", cell: (s) => s.error ?? (s.differing.join(", ") || "—") },
          { id: "type", header: "Instance type", kind: "short", cell: (s) => <Effective server={s} field="instanceType" /> },
          { id: "subnet", header: "Subnet", kind: "id", cell: (s) => <Effective server={s} field="subnetId" note={cidrOf} /> },
          { id: "ip", header: "Private IP", kind: "short", cell: (s) => <Effective server={s} field="privateIp" /> },
          { id: "groups", header: "Security groups", kind: "text", cell: (s) => <Effective server={s} field="securityGroupIds" /> },
          { id: "tags", header: "Tags", kind: "text", hidden: true, cell: (s) => <Effective server={s} field="tags" /> },
          { id: "applied", header: "Last applied", kind: "time", cell: (s) => (s.lastAppliedAt ? <Time value={s.lastAppliedAt} /> : "Never") },
        ]}
      />
      <Container
        header={
          <Header
            variant="h2"
            description="Defaults, then subnet rules (by source IP), then tag rules in order, then per-server overrides: each later one wins for the fields it sets; failback holds those a failback to the servers' AWS origin launches with. Saving checks every server against EC2 (the failback's at the origin) and writes nothing to DRS or EC2; apply does (a failback applies its own)."
            actions={
              mayConfigure &&
              doc &&
              (text === null ? (
                <Button onClick={() => setText(toYaml(doc))}>Edit</Button>
              ) : (
                <SpaceBetween direction="horizontal" size="xs">
                  <Button variant="link" onClick={() => { setText(null); setSaveError(null); }}>
                    Cancel
                  </Button>
                  <Button variant="primary" loading={busy} onClick={() => void saveText()}>
                    Save
                  </Button>
                </SpaceBetween>
              ))
            }
          >
            {doc && doc.version > 0 ? `Settings, version ${doc.version}` : "Settings"}
          </Header>
        }
      >
        <SpaceBetween size="s">
          {!editing && <ProblemAlert error={saveError} header="The launch settings were not saved" />}
          {text === null ? (
            <Box variant="code">
              <pre style={{ margin: 0, whiteSpace: "pre-wrap" }}>{doc ? toYaml(doc) || "# none saved" : "…"}</pre>
            </Box>
          ) : (
            <Textarea value={text} onChange={({ detail }) => setText(detail.value)} rows={16} ariaLabel="Launch settings (YAML)" spellcheck={false} />
          )}
        </SpaceBetween>
      </Container>
      <Modal
        visible={editing}
        onDismiss={() => setEditing(false)}
        header={`Overrides for ${selected.length === 1 ? (selected[0]?.hostname ?? "1 server") : `${selected.length} servers`}`}
        footer={
          <SpaceBetween direction="horizontal" size="xs">
            <Button onClick={() => void saveOverrides(null)} disabled={busy}>
              Remove their overrides
            </Button>
            <ModalFooter confirm="Save overrides" onConfirm={() => void saveOverrides(overrideValues(form))} onCancel={() => setEditing(false)} />
          </SpaceBetween>
        }
      >
        <SpaceBetween size="m">
          <ProblemAlert error={saveError} header="The overrides were not saved" />
          <Box color="text-body-secondary">A field left empty keeps what the servers have now.</Box>
          <FormField label="Instance type" errorText={fieldError("instanceType")}>
            <Input value={form.instanceType} placeholder="r6i.2xlarge" onChange={({ detail }) => setForm({ ...form, instanceType: detail.value })} ariaLabel="Instance type" />
          </FormField>
          <FormField label="Subnet ID" errorText={fieldError("subnetId")} description={chosenSubnet ? `Now: ${chosenSubnet}${chosenCidr ? ` (${chosenCidr})` : ""}` : undefined}>
            <Input value={form.subnetId} placeholder="subnet-…" onChange={({ detail }) => setForm({ ...form, subnetId: detail.value })} ariaLabel="Subnet ID" />
          </FormField>
          <FormField label="Security group IDs" description="Separated by commas or spaces; in the subnet's VPC." errorText={fieldError("securityGroupIds")}>
            <Input value={form.securityGroupIds} placeholder="sg-…, sg-…" onChange={({ detail }) => setForm({ ...form, securityGroupIds: detail.value })} ariaLabel="Security group IDs" />
          </FormField>
          <FormField
            label="Static private IP"
            errorText={fieldError("privateIp")}
            description={
              selected.length > 1
                ? "One server at a time: two servers cannot share an address."
                : `${chosenCidr ? `In ${chosenCidr}, not its first four addresses nor its last. ` : ""}Turns copyPrivateIp off for this server.`
            }
          >
            <Input value={form.privateIp} disabled={selected.length > 1} placeholder={chosenCidr ? chosenCidr.replace(/\.0\/\d+$/, ".20") : "10.0.1.20"} onChange={({ detail }) => setForm({ ...form, privateIp: detail.value })} ariaLabel="Static private IP" />
          </FormField>
        </SpaceBetween>
      </Modal>
    </SpaceBetween>
  );
}
