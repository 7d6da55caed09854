// One wave of a plan: its groups and servers, what it waits for, its gates, hooks and policy.
import Alert from "@cloudscape-design/components/alert";
import Button from "@cloudscape-design/components/button";
import Checkbox from "@cloudscape-design/components/checkbox";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import FormField from "@cloudscape-design/components/form-field";
import Input from "@cloudscape-design/components/input";
import Multiselect from "@cloudscape-design/components/multiselect";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Textarea from "@cloudscape-design/components/textarea";
import Toggle from "@cloudscape-design/components/toggle";
import { useEffect, useState } from "react";
import { parse, stringify } from "yaml";
import type { Finding, Hook, ProtectionGroup, Role, Wave } from "../api/types";
import { api, unwrap } from "../api/client";

const ROLES: Role[] = ["operator", "recovery-admin", "admin"];

// The form field a lint finding is about, so that its alert can take the operator there.
type FieldKey = "groups" | "postHooks";
const FIELD_OF: Record<string, FieldKey> = {
  SERVER_MISSING: "groups",
  SERVER_CANNOT_LAUNCH: "groups",
  SERVER_NOT_CONTINUOUS: "groups",
  INSTANCES_STILL_RUNNING: "groups",
  NEVER_DRILLED: "groups",
  DRILL_STALE: "groups",
  SERVER_IN_TWO_GROUPS: "groups",
  WAVE_OVER_JOB_QUOTA: "groups",
  SSM_HOOK_WITHOUT_AGENT: "postHooks",
};
const FIELD_LABEL: Record<FieldKey, string> = { groups: "protection groups", postHooks: "post-launch hooks" };

/** Focus a form control by its ID, scrolled into view. */
export function goTo(controlId: string): void {
  const target = document.getElementById(controlId);
  target?.scrollIntoView({ block: "center" });
  target?.focus();
}

/** Several chosen: say which, since the control's own text is only its placeholder. */
function chosen(labels: string[], none: string, some: (list: string) => string): string {
  return labels.length ? some(labels.join(", ")) : none;
}

type Approval = Extract<Hook, { type: "manualApproval" }>;

function isApproval(h: Hook): h is Approval {
  return h.type === "manualApproval";
}

/** Hostnames of a group's servers, asked once per group. */
const hostnames = new Map<string, Promise<Record<string, string>>>();
function serversOf(groupId: string): Promise<Record<string, string>> {
  let found = hostnames.get(groupId);
  if (!found) {
    found = unwrap(api.GET("/api/v1/drs/source-servers", { params: { query: { protectionGroupId: groupId } } })).then(
      (d) => Object.fromEntries(d.items.map((s) => [s.sourceServerId, s.hostname])),
      () => ({}),
    );
    hostnames.set(groupId, found);
  }
  return found;
}

function HooksField({ label, hooks, onChange, error, controlId }: { label: string; hooks: Hook[]; onChange: (hooks: Hook[]) => void; error?: string; controlId: string }) {
  const [text, setText] = useState(() => (hooks.length ? stringify(hooks) : ""));
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <FormField
      label={label}
      description="A YAML list of wait, httpCheck, lambda, ssmAutomation or ssmCommand hooks (see the plan-file reference)."
      constraintText={
        <>
          Empty: none. For example <code>{"- {type: wait, durationSeconds: 60}"}</code>
        </>
      }
      errorText={problem ?? error}
      stretch
    >
      <div className="code-text">
        <Textarea
          value={text}
          controlId={controlId}
          rows={Math.min(10, Math.max(2, text.split("\n").length))}
          ariaLabel={label}
          placeholder="No hooks"
          onChange={({ detail }) => {
            setText(detail.value);
            try {
              const value: unknown = detail.value.trim() ? parse(detail.value) : [];
              if (!Array.isArray(value)) throw new Error("Hooks are a YAML list");
              setProblem(null);
              onChange(value as Hook[]);
            } catch (failure) {
              setProblem(failure instanceof Error ? failure.message : String(failure));
            }
          }}
        />
      </div>
    </FormField>
  );
}

export function WaveForm({
  wave,
  index,
  waves,
  groups,
  onChange,
  fieldError,
  findings,
}: {
  wave: Wave;
  index: number;
  waves: Wave[];
  groups: ProtectionGroup[];
  onChange: (wave: Wave) => void;
  fieldError: (field: string) => string | undefined;
  findings: Finding[];
}) {
  const at = `waves[${index}]`;
  const [hosts, setHosts] = useState<Record<string, string>>({});
  const groupIds = wave.protectionGroupIds ?? [];
  useEffect(() => {
    let current = true;
    void Promise.all(groupIds.map(serversOf)).then((all) => current && setHosts(Object.assign({}, ...all) as Record<string, string>));
    return () => {
      current = false;
    };
  }, [groupIds.join(",")]); // the IDs, not the array: a new array each render
  const set = (patch: Partial<Wave>) => onChange({ ...wave, ...patch });
  const pre = wave.preHooks ?? [];
  const approval = pre.find(isApproval);
  const otherPre = pre.filter((h) => !isApproval(h));
  const setApproval = (next: Approval | null) => set({ preHooks: next ? [next, ...otherPre] : otherPre });
  const serverOptions = Object.entries(hosts).map(([id, host]) => ({ value: id, label: host, description: id }));
  const option = (id: string) => ({ value: id, label: hosts[id] ?? id });
  const others = waves.filter((_, i) => i !== index).map((w) => w.name);

  return (
    <SpaceBetween size="m">
      {findings.length > 0 && (
        <div role="list" aria-label={`Lint findings for ${wave.name}`}>
          <SpaceBetween size="xs">
            {findings.map((f, i) => {
              const field = FIELD_OF[f.code];
              return (
                <div role="listitem" key={i}>
                  <Alert
                    type={f.severity === "error" ? "error" : f.severity === "warning" ? "warning" : "info"}
                    header={f.message}
                    action={field && <Button onClick={() => goTo(`${at}-${field}`)}>{`Go to ${FIELD_LABEL[field]}`}</Button>}
                  >
                    {f.fix}
                  </Alert>
                </div>
              );
            })}
          </SpaceBetween>
        </div>
      )}
      <ColumnLayout columns={2}>
        <FormField label="Wave name" errorText={fieldError(`${at}.name`)}>
          <Input value={wave.name} onChange={({ detail }) => set({ name: detail.value })} ariaLabel={`Wave ${index + 1} name`} />
        </FormField>
        <FormField label="Runs after" description="Waves this one waits for; none: it starts at once." errorText={fieldError(`${at}.dependsOn`)}>
          <Multiselect
            selectedOptions={(wave.dependsOn ?? []).map((d) => ({ value: d, label: d }))}
            options={others.map((n) => ({ value: n, label: n }))}
            onChange={({ detail }) => set({ dependsOn: detail.selectedOptions.map((o) => o.value!) })}
            placeholder={chosen(wave.dependsOn ?? [], "Starts at once", (list) => `After ${list}`)}
            ariaLabel={`Wave ${index + 1} runs after`}
          />
        </FormField>
        <FormField label="Protection groups" errorText={fieldError(`${at}.protectionGroupIds`)}>
          <Multiselect
            selectedOptions={groupIds.map((g) => ({ value: g, label: groups.find((x) => x.id === g)?.name ?? g }))}
            options={groups.map((g) => ({ value: g.id, label: g.name, description: `${g.region} · ${g.serverIds.length} servers` }))}
            onChange={({ detail }) => set({ protectionGroupIds: detail.selectedOptions.map((o) => o.value!) })}
            placeholder={chosen(groupIds.map((g) => groups.find((x) => x.id === g)?.name ?? g), "Choose groups", (list) => list)}
            controlId={`${at}-groups`}
            filteringType="auto"
            ariaLabel={`Wave ${index + 1} protection groups`}
          />
        </FormField>
        <FormField label="Servers" description="A subset of the groups' servers; none chosen: all of them." errorText={fieldError(`${at}.serverIds`)}>
          <Multiselect
            selectedOptions={(wave.serverIds ?? []).map(option)}
            options={serverOptions}
            onChange={({ detail }) => set({ serverIds: detail.selectedOptions.map((o) => o.value!) })}
            placeholder={chosen((wave.serverIds ?? []).map((s) => hosts[s] ?? s), "All servers of the groups", (list) => `Only ${list}`)}
            filteringType="auto"
            ariaLabel={`Wave ${index + 1} servers`}
          />
        </FormField>
        <FormField label="Non-critical servers" description="Their failure does not fail the wave." errorText={fieldError(`${at}.nonCriticalServerIds`)}>
          <Multiselect
            selectedOptions={(wave.nonCriticalServerIds ?? []).map(option)}
            options={serverOptions}
            onChange={({ detail }) => set({ nonCriticalServerIds: detail.selectedOptions.map((o) => o.value!) })}
            placeholder={chosen((wave.nonCriticalServerIds ?? []).map((s) => hosts[s] ?? s), "Every server is critical", (list) => `Not critical: ${list}`)}
            filteringType="auto"
            ariaLabel={`Wave ${index + 1} non-critical servers`}
          />
        </FormField>
        <SpaceBetween size="s" direction="horizontal">
          <FormField label="On failure">
            <Select
              selectedOption={{ value: wave.onFailure ?? "stop", label: (wave.onFailure ?? "stop") === "stop" ? "Stop the plan" : "Continue" }}
              options={[
                { value: "stop", label: "Stop the plan" },
                { value: "continue", label: "Continue" },
              ]}
              onChange={({ detail }) => set({ onFailure: detail.selectedOption.value as "stop" | "continue" })}
              ariaLabel={`Wave ${index + 1} on failure`}
            />
          </FormField>
          <FormField label="Timeout (minutes)" errorText={fieldError(`${at}.timeoutMinutes`)}>
            <Input
              type="number"
              inputMode="numeric"
              value={String(wave.timeoutMinutes ?? 90)}
              onChange={({ detail }) => set({ timeoutMinutes: Number(detail.value) })}
              ariaLabel={`Wave ${index + 1} timeout in minutes`}
            />
          </FormField>
        </SpaceBetween>
      </ColumnLayout>
      <SpaceBetween size="s" direction="horizontal">
        <Toggle checked={wave.pauseBefore ?? false} onChange={({ detail }) => set({ pauseBefore: detail.checked })}>
          Pause before this wave
        </Toggle>
        <Checkbox
          checked={!!approval}
          onChange={({ detail }) =>
            setApproval(detail.checked ? { type: "manualApproval", message: `Approve launching ${wave.name}`, approverRole: "operator", timeoutMinutes: 60 } : null)
          }
        >
          Require approval before launch
        </Checkbox>
      </SpaceBetween>
      {approval && (
        <ColumnLayout columns={3}>
          <FormField label="Approval message">
            <Input value={approval.message} onChange={({ detail }) => setApproval({ ...approval, message: detail.value })} ariaLabel={`Wave ${index + 1} approval message`} />
          </FormField>
          <FormField label="Approver role">
            <Select
              selectedOption={{ value: approval.approverRole ?? "operator", label: approval.approverRole ?? "operator" }}
              options={ROLES.map((r) => ({ value: r, label: r }))}
              onChange={({ detail }) => setApproval({ ...approval, approverRole: detail.selectedOption.value as Role })}
              ariaLabel={`Wave ${index + 1} approver role`}
            />
          </FormField>
          <FormField label="Approval timeout (minutes)">
            <Input
              type="number"
              value={String(approval.timeoutMinutes ?? 60)}
              onChange={({ detail }) => setApproval({ ...approval, timeoutMinutes: Number(detail.value) })}
              ariaLabel={`Wave ${index + 1} approval timeout`}
            />
          </FormField>
        </ColumnLayout>
      )}
      <ColumnLayout columns={2}>
        <HooksField label="Pre-launch hooks" hooks={otherPre} onChange={(h) => set({ preHooks: approval ? [approval, ...h] : h })} error={fieldError(`${at}.preHooks`)} controlId={`${at}-preHooks`} />
        <HooksField label="Post-launch hooks" hooks={wave.postHooks ?? []} onChange={(h) => set({ postHooks: h })} error={fieldError(`${at}.postHooks`)} controlId={`${at}-postHooks`} />
      </ColumnLayout>
    </SpaceBetween>
  );
}
