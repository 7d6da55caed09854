// Build or change a recovery plan: waves in a form or as YAML, the graph drawn as you go,
// and lint's findings beside the waves they concern.
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import ExpandableSection from "@cloudscape-design/components/expandable-section";
import Form from "@cloudscape-design/components/form";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Tabs from "@cloudscape-design/components/tabs";
import Textarea from "@cloudscape-design/components/textarea";
import { useEffect, useState } from "react";
import { useCrumb } from "../lib/crumbs";
import { useNavigate, useParams } from "react-router";
import { api, ApiError, unwrap } from "../api/client";
import type { Lint, ProtectionGroup, RecoveryPlan, RecoveryPlanSpec, Wave } from "../api/types";
import { ProblemAlert } from "../components/ProblemAlert";
import { goTo, WaveForm } from "../components/WaveForm";
import { WaveGraph } from "../components/WaveGraph";
import { fromYaml, specOf, toYaml } from "../lib/planYaml";
import { plural } from "../lib/time";
import { listGroups } from "../lib/groups";

const LAUNCH_OPTIONS: { value: NonNullable<RecoveryPlanSpec["launchSettings"]>; label: string; description: string }[] = [
  { value: "check", label: "Check for drift", description: "Say in the timeline what differs; launch as DRS holds it" },
  { value: "reapply", label: "Re-apply", description: "Write the groups' launch settings back first" },
  { value: "ignore", label: "Ignore", description: "Launch with whatever DRS holds" },
];

function newWave(waves: Wave[]): Wave {
  const last = waves[waves.length - 1];
  return {
    name: `Wave ${waves.length + 1}`,
    protectionGroupIds: [],
    dependsOn: last ? [last.name] : [],
  } as unknown as Wave;
}

function useLint(spec: RecoveryPlanSpec) {
  const [lint, setLint] = useState<Lint | null>(null);
  const [error, setError] = useState<unknown>(null);
  const key = JSON.stringify(spec);
  const incomplete = !spec.name?.trim() || (spec.waves ?? []).some((w) => !w.name?.trim() || !w.protectionGroupIds?.length);
  useEffect(() => {
    if (incomplete) {
      setLint(null);
      setError(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      unwrap(api.POST("/api/v1/recovery-plans/lint", { body: spec })).then(
        (found) => current && (setLint(found), setError(null)),
        (failure: unknown) => current && (setLint(null), setError(failure)),
      );
    }, 400);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key]);
  return { lint, error, incomplete };
}

export default function PlanEditor() {
  const { id } = useParams();
  const navigate = useNavigate();
  const [existing, setExisting] = useState<RecoveryPlan | null>(null);
  const [plan, setPlan] = useState<RecoveryPlanSpec>({ name: "", waves: [newWave([])] } as unknown as RecoveryPlanSpec);
  const [groups, setGroups] = useState<ProtectionGroup[]>([]);
  const [tab, setTab] = useState("form");
  const [yamlText, setYamlText] = useState("");
  const [yamlError, setYamlError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void listGroups().then(setGroups, setError);
    if (!id) return;
    unwrap(api.GET("/api/v1/recovery-plans/{plan_id}", { params: { path: { plan_id: id } } })).then((p) => {
      setExisting(p);
      setPlan(specOf(p));
    }, setError);
  }, [id]);

  useCrumb(existing?.name);
  const groupNames = Object.fromEntries(groups.map((g) => [g.id, g.name]));
  const { lint, error: lintError, incomplete } = useLint(plan);
  const fieldError = (field: string) =>
    error instanceof ApiError ? error.errors.find((e) => e.field === field || e.field.startsWith(`${field}[`) || e.field.startsWith(`${field}.`))?.message : undefined;
  const waves = plan.waves ?? [];
  const setWaves = (next: Wave[]) => setPlan({ ...plan, waves: next });
  const renameDependants = (old: string, name: string, list: Wave[]) =>
    list.map((w) => ({ ...w, dependsOn: w.dependsOn?.map((d) => (d === old ? name : d)) }));

  const save = async () => {
    let body = plan;
    if (tab === "yaml") {
      const parsed = fromYaml(yamlText, groupNames);
      if (!parsed.plan) {
        setYamlError(parsed.error);
        return;
      }
      body = parsed.plan;
      setPlan(body);
    }
    setBusy(true);
    setError(null);
    try {
      const saved = existing
        ? await unwrap(
            api.PUT("/api/v1/recovery-plans/{plan_id}", {
              params: { path: { plan_id: existing.id }, header: { "If-Match": `"${existing.version}"` } },
              body,
            }),
          )
        : await unwrap(api.POST("/api/v1/recovery-plans", { body }));
      navigate(`/recovery-plans/${saved.id}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const general = (lint?.findings ?? []).filter((f) => !f.wave);
  return (
    <ContentLayout header={<Header variant="h1">{existing ? `Edit ${existing.name}` : "Create recovery plan"}</Header>}>
      <form onSubmit={(e) => e.preventDefault()}>
        <Form
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" formAction="none" onClick={() => navigate(existing ? `/recovery-plans/${existing.id}` : "/recovery-plans")}>
                Cancel
              </Button>
              <Button variant="primary" loading={busy} onClick={() => void save()}>
                {existing ? `Save version ${existing.version + 1}` : "Create recovery plan"}
              </Button>
            </SpaceBetween>
          }
        >
          <SpaceBetween size="l">
            <ProblemAlert error={error} header="The plan was not saved" />
            <Container header={<Header variant="h2">Plan</Header>}>
              <ColumnLayout columns={2}>
                <FormField label="Name" errorText={fieldError("name")}>
                  <Input value={plan.name} onChange={({ detail }) => setPlan({ ...plan, name: detail.value })} ariaLabel="Plan name" />
                </FormField>
                <FormField label="Description" errorText={fieldError("description")}>
                  <Input value={plan.description ?? ""} onChange={({ detail }) => setPlan({ ...plan, description: detail.value })} ariaLabel="Plan description" />
                </FormField>
                <FormField label="RTO target (minutes)" errorText={fieldError("rtoTargetMinutes")}>
                  <Input
                    type="number"
                    value={plan.rtoTargetMinutes == null ? "" : String(plan.rtoTargetMinutes)}
                    onChange={({ detail }) => setPlan({ ...plan, rtoTargetMinutes: detail.value === "" ? null : Number(detail.value) })}
                    ariaLabel="RTO target in minutes"
                    controlId="plan-rtoTargetMinutes"
                  />
                </FormField>
                <FormField label="Clean up drills after (minutes)" description="Empty: keep drill instances until someone cleans up." errorText={fieldError("cleanupAfterMinutes")}>
                  <Input
                    type="number"
                    value={plan.cleanupAfterMinutes == null ? "" : String(plan.cleanupAfterMinutes)}
                    onChange={({ detail }) => setPlan({ ...plan, cleanupAfterMinutes: detail.value === "" ? null : Number(detail.value) })}
                    ariaLabel="Clean up drills after minutes"
                  />
                </FormField>
                <FormField label="Launch settings before each wave" description="What is done with the groups' launch settings before DRS launches a wave." errorText={fieldError("launchSettings")}>
                  <Select
                    selectedOption={LAUNCH_OPTIONS.find((o) => o.value === (plan.launchSettings ?? "check")) ?? null}
                    options={LAUNCH_OPTIONS}
                    onChange={({ detail }) => setPlan({ ...plan, launchSettings: detail.selectedOption.value as RecoveryPlanSpec["launchSettings"] })}
                    ariaLabel="Launch settings before each wave"
                  />
                </FormField>
              </ColumnLayout>
            </Container>
            <Container header={<Header variant="h2" description="Arrows point from a wave to the waves that wait for it.">Dependency graph</Header>}>
              <WaveGraph waves={waves} />
            </Container>
            <Container
              header={
                <Header variant="h2" description={
                    incomplete
                      ? "Lint runs once the plan has a name and every wave a name and a protection group."
                      : lint
                        ? `${plural(lint.errors, "error")}, ${plural(lint.warnings, "warning")}`
                        : "Checking…"
                  }>
                  Lint
                </Header>
              }
            >
              <ProblemAlert error={lintError} header="Lint could not run" />
              {lint && lint.findings.length === 0 && <Box color="text-status-success">No findings.</Box>}
              {general.map((f, i) => (
                <Alert
                  key={i}
                  type={f.severity === "error" ? "error" : f.severity === "warning" ? "warning" : "info"}
                  header={f.message}
                  action={f.code === "RTO_TARGET_AT_RISK" ? <Button onClick={() => goTo("plan-rtoTargetMinutes")}>Go to the RTO target</Button> : undefined}
                >
                  {f.fix}
                </Alert>
              ))}
            </Container>
            <Tabs
              activeTabId={tab}
              onChange={({ detail }) => {
                if (detail.activeTabId === "yaml") {
                  setYamlText(toYaml(plan, groupNames));
                  setYamlError(null);
                } else {
                  const parsed = fromYaml(yamlText, groupNames);
                  if (!parsed.plan) {
                    setYamlError(parsed.error);
                    return;
                  }
                  setPlan(parsed.plan);
                }
                setTab(detail.activeTabId);
              }}
              tabs={[
                {
                  id: "form",
                  label: "Waves",
                  content: (
                    <SpaceBetween size="m">
                      {waves.map((wave, i) => (
                        <Container
                          key={i}
                          header={
                            <Header
                              variant="h3"
                              actions={
                                <SpaceBetween direction="horizontal" size="xs">
                                  <Button disabled={i === 0} iconName="angle-up" ariaLabel={`Move ${wave.name} up`} onClick={() => setWaves(waves.map((w, j) => (j === i - 1 ? waves[i]! : j === i ? waves[i - 1]! : w)))} />
                                  <Button
                                    disabled={i === waves.length - 1}
                                    iconName="angle-down"
                                    ariaLabel={`Move ${wave.name} down`}
                                    onClick={() => setWaves(waves.map((w, j) => (j === i + 1 ? waves[i]! : j === i ? waves[i + 1]! : w)))}
                                  />
                                  <Button
                                    disabled={waves.length === 1}
                                    onClick={() => setWaves(waves.filter((_, j) => j !== i).map((w) => ({ ...w, dependsOn: w.dependsOn?.filter((d) => d !== wave.name) })))}
                                  >
                                    Remove
                                  </Button>
                                </SpaceBetween>
                              }
                            >
                              {`Wave ${i + 1}: ${wave.name}`}
                            </Header>
                          }
                        >
                          <WaveForm
                            wave={wave}
                            index={i}
                            waves={waves}
                            groups={groups}
                            fieldError={fieldError}
                            findings={(lint?.findings ?? []).filter((f) => f.wave === wave.name)}
                            onChange={(next) => {
                              const list = waves.map((w, j) => (j === i ? next : w));
                              setWaves(next.name !== wave.name ? renameDependants(wave.name, next.name, list) : list);
                            }}
                          />
                        </Container>
                      ))}
                      <Button iconName="add-plus" onClick={() => setWaves([...waves, newWave(waves)])}>
                        Add wave
                      </Button>
                    </SpaceBetween>
                  ),
                },
                {
                  id: "yaml",
                  label: "YAML",
                  content: (
                    <FormField
                      label="The plan as YAML"
                      errorText={yamlError}
                      stretch
                      description="As in a plan file: waves name their protection groups by name. Edit here or in the form; switching tabs carries the change over."
                    >
                      <div className="code-text">
                        <Textarea value={yamlText} rows={Math.max(12, yamlText.split("\n").length + 1)} onChange={({ detail }) => setYamlText(detail.value)} ariaLabel="Plan YAML" spellcheck={false} />
                      </div>
                    </FormField>
                  ),
                },
              ]}
            />
            <ExpandableSection headerText="About waves">
              A wave launches its servers in one DRS job per account and region (at most 100 servers each). It starts when every wave it runs after has completed
              (or was skipped); pauses and approvals hold it before launch.
            </ExpandableSection>
          </SpaceBetween>
        </Form>
      </form>
    </ContentLayout>
  );
}
