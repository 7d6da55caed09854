// One execution, live: the server pushes every transition; the page re-reads the execution
// once per burst of them. Waves as a graph and a timeline, servers, approvals, commands,
// the event log and the report.
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ButtonDropdown from "@cloudscape-design/components/button-dropdown";
import Checkbox from "@cloudscape-design/components/checkbox";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import KeyValuePairs from "@cloudscape-design/components/key-value-pairs";
import Modal from "@cloudscape-design/components/modal";
import ProgressBar from "@cloudscape-design/components/progress-bar";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Tabs from "@cloudscape-design/components/tabs";
import TextFilter from "@cloudscape-design/components/text-filter";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { api, getExecution, unwrap } from "../api/client";
import type { Command as ApiCommand, ExecutionDetail as Execution, Transition } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { ModalFooter } from "../components/ModalFooter";
import { ProblemAlert } from "../components/ProblemAlert";
import { Status } from "../components/Status";
import { Duration, Time } from "../components/Time";
import { Timeline } from "../components/Timeline";
import { WaveGraph } from "../components/WaveGraph";
import { useObserveEngineTime } from "../lib/clock";
import { useEventStream } from "../lib/live";
import { phaseOf } from "../lib/phase";
import { useCrumb } from "../lib/crumbs";
import { hookLabel, namesOf, PHASE } from "../lib/names";
import { cleanupShown, DRS_LAUNCH, EC2_STATE, EXECUTION, HOOK, MODE, recovered, SERVER, shown, WAVE, stillRunning, wavesProgress } from "../lib/status";
import { formatDuration, plural, zoneName } from "../lib/time";

import { describe } from "../lib/transition";
import { DataTable } from "../components/DataTable";

type AnyCommand = ApiCommand;
type Command = Exclude<AnyCommand, WaveCommand>;
type WaveCommand = "approve" | "retry-wave" | "skip-wave";
const WAVE_ACTION: Record<"retry-wave" | "skip-wave", string> = { "retry-wave": "Retry the wave", "skip-wave": "Skip (dependants run)" };
// Waves whose DRS work goes on while the execution is paused.
const UNDER_WAY = new Set(["LAUNCHING", "VERIFYING", "POST_HOOKS"]);

function useExecution(id: string) {
  const [execution, setExecution] = useState<Execution | null>(null);
  const [error, setError] = useState<unknown>(null);
  const inFlight = useRef(false);
  const again = useRef(false);
  const load = useCallback(async () => {
    // Transitions come in bursts: one read in flight, one more after it if any arrived.
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    try {
      do {
        again.current = false;
        const found = await getExecution(id);
        setExecution(found);
        setError(null);
      } while (again.current);
    } catch (failure) {
      setError(failure);
    } finally {
      inFlight.current = false;
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);
  return { execution, error, load, setExecution };
}

export default function ExecutionDetail() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const { me } = useAuth();
  const { execution: e, error, load, setExecution } = useExecution(id);
  const [events, setEvents] = useState<Transition[]>([]);
  const [live, setLive] = useState<"open" | "retrying" | "closed" | "connecting">("connecting");
  const [commandError, setCommandError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [terminate, setTerminate] = useState(false);
  const [confirmingCleanup, setConfirmingCleanup] = useState(false);
  const [filter, setFilter] = useState("");

  // The stream ends with the execution; a later command (clean-up, retry) opens it again
  // from the last event seen.
  const [round, setRound] = useState(0);
  const lastSeq = useRef(-1);
  const observe = useObserveEngineTime();
  useEventStream(
    `/executions/${id}/events${round ? `?after=${lastSeq.current}` : ""}`,
    (m) => {
      if (m.event !== "end") {
        const t = JSON.parse(m.data) as Transition;
        observe(t.at);
        lastSeq.current = Math.max(lastSeq.current, t.seq);
        setEvents((all) => (all.some((x) => x.seq === t.seq) ? all : [...all, t]));
      }
      void load();
    },
    setLive,
  );

  const names = useMemo(() => namesOf(e), [e]);
  useCrumb(e ? `${MODE[e.mode]} of ${e.planName}` : null);
  if (!e) return error ? <ProblemAlert error={error} header="Could not load the execution" /> : <Box>Loading…</Box>;

  // What to offer comes from the API alone: the engine's rule, less what the user's roles forbid.
  const allows = (c: Command) => e.allowedCommands.includes(c);
  const waveAllows = (wave: string, c: WaveCommand) => !!e.waves.find((w) => w.name === wave)?.allowedCommands.includes(c);
  const underWay = e.waves.filter((w) => UNDER_WAY.has(w.status)).map((w) => w.name);
  const run = async (what: Command | WaveCommand, wave?: string) => {
    setBusy(wave ? `${what}:${wave}` : what);
    setCommandError(null);
    const path = { params: { path: { execution_id: e.id } } };
    try {
      let next: Execution;
      if (what === "approve" || what === "retry-wave" || what === "skip-wave") {
        next = await unwrap(api.POST(`/api/v1/executions/{execution_id}/${what}`, { ...path, body: { wave: wave! } }));
      } else if (what === "cleanup") {
        next = await unwrap(api.POST("/api/v1/executions/{execution_id}/cleanup", path));
        setConfirmingCleanup(false);
      } else if (what === "cancel") {
        next = await unwrap(api.POST("/api/v1/executions/{execution_id}/cancel", { ...path, body: { terminate } }));
        setCancelling(false);
      } else {
        next = await unwrap(api.POST(`/api/v1/executions/{execution_id}/${what}`, path));
      }
      if (next.serversNextCursor) void load(); // a page of its servers: read them all
      else setExecution(next);
      if (live === "closed") setRound((r) => r + 1);
    } catch (failure) {
      setCommandError(failure);
    } finally {
      setBusy(null);
    }
  };

  const waveActions = (w: Execution["waves"][number]) =>
    (["retry-wave", "skip-wave"] as const).filter((c) => w.allowedCommands.includes(c)).map((c) => ({ id: c, text: WAVE_ACTION[c] }));
  const servers = Object.values(e.servers);
  const running = stillRunning(e);
  const canClean = allows("cleanup");
  const cleanupState = cleanupShown({ ...e, stillRunning: running.length });
  const shownServers = servers.filter((s) => !filter || [s.hostname, s.serverId, s.wave, s.ec2InstanceId ?? ""].join(" ").toLowerCase().includes(filter.toLowerCase()));
  const pinned = servers.filter((s) => s.snapshotPinned).length;
  const fromSnapshots = e.pointInTime !== null || pinned > 0;
  const waveStatuses = Object.fromEntries(e.waves.map((w) => [w.name, w.status]));
  const liveLabel = { open: ["success", "Live"], retrying: ["pending", "Reconnecting"], closed: ["stopped", "Ended"], connecting: ["loading", "Connecting"] }[live] as [
    "success" | "pending" | "stopped" | "loading",
    string,
  ];

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={`${MODE[e.mode]} of ${e.planName}, version ${e.planVersion} · execution ${e.id}`}
          info={
            <span data-testid="live-state">
              <StatusIndicator type={liveLabel[0]}>{liveLabel[1]}</StatusIndicator>
            </span>
          }
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => navigate(`/executions/${e.id}/report`)}>Report</Button>
              {allows("pause") && (
                <Button loading={busy === "pause"} onClick={() => void run("pause")}>
                  Pause
                </Button>
              )}
              {allows("resume") && (
                <Button loading={busy === "resume"} onClick={() => void run("resume")}>
                  Resume
                </Button>
              )}
              {allows("cancel") && <Button onClick={() => setCancelling(true)}>Cancel</Button>}
              {canClean && (
                <Button iconName="remove" onClick={() => setConfirmingCleanup(true)}>
                  Clean up instances
                </Button>
              )}
            </SpaceBetween>
          }
        >
          <span data-testid="execution-status">
            {e.planName} <Status map={EXECUTION} status={e.status} />
          </span>
        </Header>
      }
    >
      <SpaceBetween size="l">
        <ProblemAlert error={commandError} header="The command was refused" />
        {e.status === "PAUSED" && (
          <Alert type="info" header="Paused">
            {e.pausedReason ?? "Paused"}
            {underWay.length > 0 && `. Waves under way finish first (${underWay.join(", ")}), then the execution holds.`}
          </Alert>
        )}
        {e.pendingApprovals.map((a) => (
          <Alert
            key={a.wave}
            type="warning"
            header={`Wave ${a.wave} is waiting for approval`}
            action={
              <Button
                disabled={!waveAllows(a.wave, "approve")}
                loading={busy === `approve:${a.wave}`}
                onClick={() => void run("approve", a.wave)}
                ariaLabel={`Approve wave ${a.wave}`}
              >
                Approve
              </Button>
            }
          >
            {a.message} — needs the {a.approverRole} role; requested <Time value={a.requestedAt} />, expires <Time value={a.deadline} />.
            {!waveAllows(a.wave, "approve") && ` You (${me?.roles.join(", ")}) cannot approve it.`}
          </Alert>
        ))}
        <Container>
          <KeyValuePairs
            columns={4}
            items={[
              { label: "Status", value: <Status map={EXECUTION} status={e.status} /> },
              {
                label: "Progress",
                value: <ProgressBar value={e.waves.length ? (100 * e.wavesDone) / e.waves.length : 0} additionalInfo={wavesProgress(e.waves)} ariaLabel="Waves done" />,
              },
              { label: `Started (${zoneName()})`, value: <Time value={e.startedAt ?? e.createdAt} /> },
              {
                label: "Duration",
                value: (
                  <span data-testid="execution-duration">
                    <Duration start={e.startedAt} end={e.endedAt} running={e.active} />
                  </span>
                ),
              },
              { label: "Started by", value: e.initiatedBy },
              { label: "Ended", value: <Time value={e.endedAt} /> },
              { label: "RTO target", value: e.rtoTargetMinutes ? formatDuration(e.rtoTargetMinutes * 60) : "None" },
              {
                label: "Launched from",
                value: (
                  <span data-testid="launched-from">
                    {e.pointInTime ? (
                      <>
                        Snapshots at or before <Time value={e.pointInTime} />
                      </>
                    ) : (
                      "The latest data"
                    )}
                    {pinned > 0 && <Box variant="small">{plural(pinned, "server")} from a chosen snapshot</Box>}
                  </span>
                ),
              },
              {
                label: "Clean-up",
                value: (
                  <span data-testid="cleanup-state">
                    <StatusIndicator type={cleanupState.type}>{cleanupState.label}</StatusIndicator>
                    {cleanupState.detail && <Box variant="small">{cleanupState.detail}</Box>}
                  </span>
                ),
              },
            ]}
          />
        </Container>
        <Tabs
          tabs={[
            {
              id: "waves",
              label: "Waves",
              content: (
                <SpaceBetween size="l">
                  <Container header={<Header variant="h2">Wave graph</Header>}>
                    <WaveGraph waves={e.waves.map((w) => ({ name: w.name, dependsOn: w.spec.dependsOn }))} statuses={waveStatuses} />
                  </Container>
                  <Container header={<Header variant="h2" description="Each bar runs from the wave's start to its end; the dark mark is its DRS launch.">Timeline</Header>}>
                    <Timeline waves={e.waves} running={e.active} />
                  </Container>
                  <DataTable
                    name="execution-waves"
                    header={<Header variant="h2">Waves</Header>}
                    items={e.waves}
                    trackBy="name"
                    columnDefinitions={[
                      { id: "name", header: "Wave", kind: "name", cell: (w) => w.name },
                      { id: "status", header: "Status", kind: "status", cell: (w) => <span data-wave-status={w.name}><Status map={WAVE} status={w.status} /></span> },
                      {
                        id: "servers",
                        header: "Servers recovered", kind: "text",
                        cell: (w) => {
                          const mine = servers.filter((s) => s.wave === w.name);
                          const done = mine.filter(recovered);
                          const gone = done.filter((s) => s.status === "TERMINATED").length;
                          return (
                            <span data-wave-servers={w.name}>
                              {`${done.length} of ${mine.length}`}
                              {gone ? ` (${gone === done.length ? "all" : gone} cleaned up)` : ""}
                            </span>
                          );
                        },
                      },
                      {
                        id: "hooks",
                        header: "Hooks", kind: "long",
                        cell: (w) =>
                          w.hooks?.length
                            ? w.hooks.map((h) => (
                                <div key={`${h.phase}${h.index}`}>
                                  {`${PHASE[h.phase]}: ${hookLabel(h.hook)} — `}
                                  <Status map={HOOK} status={h.status} />
                                </div>
                              ))
                            : "—",
                      },
                      { id: "started", header: "Started", kind: "time", cell: (w) => <Time value={w.startedAt} /> },
                      { id: "duration", header: "Duration", kind: "short", cell: (w) => <Duration start={w.startedAt} end={w.endedAt} running={e.active && !!w.startedAt} /> },
                      { id: "failure", header: "Failure", kind: "long", cell: (w) => w.failure ?? "—" },
                      {
                        id: "actions",
                        header: "Actions", kind: "actions",
                        cell: (w) =>
                          waveActions(w).length > 0 ? (
                            <ButtonDropdown
                              ariaLabel={`Actions for wave ${w.name}`}
                              variant="inline-icon"
                              items={waveActions(w)}
                              onItemClick={({ detail }) => void run(detail.id as WaveCommand, w.name)}
                            />
                          ) : (
                            "—"
                          ),
                      },
                    ]}
                  />
                </SpaceBetween>
              ),
            },
            {
              id: "servers",
              label: `Servers (${servers.length})`,
              content: (
                <DataTable
                  name="execution-servers"
                  items={shownServers}
                  trackBy="serverId"
                  filter={<TextFilter filteringText={filter} onChange={({ detail }) => setFilter(detail.filteringText)} filteringPlaceholder="Find a server" filteringAriaLabel="Filter servers" />}
                  columnDefinitions={[
                    { id: "host", header: "Hostname", kind: "name", cell: (s) => s.hostname || s.serverId },
                    { id: "wave", header: "Wave", kind: "text", cell: (s) => s.wave },
                    { id: "status", header: "Status", kind: "status", cell: (s) => <Status map={SERVER} status={s.status} /> },
                    { id: "launch", header: "DRS launch status", kind: "status", cell: (s) => (s.launchStatus ? shown(DRS_LAUNCH, s.launchStatus).label : "—") },
                    { id: "phase", header: "Phase", kind: "text", hidden: true, cell: (s) => phaseOf(s) },
                    { id: "instance", header: "Instance ID", kind: "id", cell: (s) => (s.ec2InstanceId ? <code data-instance>{s.ec2InstanceId}</code> : "—") },
                    { id: "state", header: "Instance state", kind: "status", cell: (s) => (s.ec2State ? shown(EC2_STATE, s.ec2State).label : "—") },
                    { id: "job", header: "DRS job", kind: "id", cell: (s) => (s.jobId ? <code>{s.jobId}</code> : "—") },
                    { id: "failure", header: "Failure reason", kind: "long", cell: (s) => s.failure ?? "—" },
                    {
                      id: "snapshot",
                      header: "Recovery snapshot",
                      kind: "id",
                      hidden: !fromSnapshots,
                      cell: (s) =>
                        s.recoverySnapshotId ? (
                          <span>
                            <code>{s.recoverySnapshotId}</code> <Time value={s.snapshotTakenAt} compact />
                          </span>
                        ) : (
                          "Latest data"
                        ),
                    },
                  ]}
                />
              ),
            },
            {
              id: "events",
              label: `Event log (${events.length})`,
              content: (
                <DataTable
                  name="execution-events"
                  items={[...events].reverse()}
                  trackBy="seq"
                  variant="container"
                  columnDefinitions={[
                    { id: "seq", header: "#", kind: "short", minWidth: 50, cell: (t) => t.seq },
                    { id: "at", header: `Time (${zoneName()})`, kind: "time", cell: (t) => <Time value={t.at} /> },
                    { id: "what", header: "Event", kind: "long", cell: (t) => describe(t, names) },
                  ]}
                />
              ),
            },
          ]}
        />
      </SpaceBetween>
      <span hidden data-testid="last-seq">
        {events.length ? events[events.length - 1]!.seq : -1}
      </span>
      <Modal
        visible={confirmingCleanup}
        onDismiss={() => setConfirmingCleanup(false)}
        header={`Terminate ${plural(running.length, "recovery instance")}`}
        footer={
          <ModalFooter
            confirm={`Terminate ${plural(running.length, "instance")}`}
            onConfirm={() => void run("cleanup")}
            onCancel={() => setConfirmingCleanup(false)}
            loading={busy === "cleanup"}
            cancel="Keep them"
          />
        }
      >
        <SpaceBetween size="s">
          <Box>
            DRS terminates these recovery instances launched by this {MODE[e.mode].toLowerCase()} and deletes their volumes. Source servers and replication are
            not touched. This cannot be undone.
          </Box>
          <DataTable
            name="cleanup-instances"
            variant="embedded"
            items={running}
            trackBy="serverId"
            ariaLabels={{ tableLabel: "Instances to terminate" }}
            columnDefinitions={[
              { id: "host", header: "Source server", kind: "name", cell: (s) => s.hostname || s.serverId },
              { id: "instance", header: "Recovery instance", kind: "id", cell: (s) => <code>{s.ec2InstanceId ?? s.recoveryInstanceId}</code> },
              { id: "state", header: "State", kind: "status", cell: (s) => (s.ec2State ? shown(EC2_STATE, s.ec2State).label : "—") },
              { id: "wave", header: "Wave", kind: "text", cell: (s) => s.wave },
            ]}
          />
        </SpaceBetween>
      </Modal>
      <Modal
        visible={cancelling}
        onDismiss={() => setCancelling(false)}
        header="Cancel the execution"
        footer={<ModalFooter confirm="Cancel execution" onConfirm={() => void run("cancel")} onCancel={() => setCancelling(false)} loading={busy === "cancel"} cancel="Keep running" />}
      >
        <SpaceBetween size="s">
          <Box>No new wave starts. DRS jobs already running finish: DRS cannot stop them.</Box>
          {e.mayTerminate && (
            <Checkbox checked={terminate} onChange={({ detail }) => setTerminate(detail.checked)}>
              Also terminate the instances launched so far
            </Checkbox>
          )}
        </SpaceBetween>
      </Modal>
    </ContentLayout>
  );
}
