// Start an execution as its row of the mode table says: a mode that keeps its instances
// launches production and asks for the plan's name; one that cleans up may be given a time.
// Any may launch from a point in time (the last recovery snapshot before an incident).
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import FormField from "@cloudscape-design/components/form-field";
import Input from "@cloudscape-design/components/input";
import Modal from "@cloudscape-design/components/modal";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useState } from "react";
import { useNavigate } from "react-router";
import { api, ApiError, unwrap } from "../api/client";
import type { ModeRow, RecoveryPlan } from "../api/types";
import { ModalFooter } from "./ModalFooter";
import { ProblemAlert } from "./ProblemAlert";

export function StartExecution({ plan, mode, onClose }: { plan: RecoveryPlan; mode: ModeRow | null; onClose: () => void }) {
  const navigate = useNavigate();
  const [typed, setTyped] = useState("");
  const [cleanup, setCleanup] = useState(plan.cleanupAfterMinutes ? String(plan.cleanupAfterMinutes) : "");
  const [pointInTime, setPointInTime] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const confirm = mode?.confirmPlanName ?? false;
  const label = mode?.label ?? "";
  const start = async () => {
    if (!mode) return;
    setBusy(true);
    setError(null);
    try {
      const started = await unwrap(
        api.POST("/api/v1/recovery-plans/{plan_id}/executions", {
          params: { path: { plan_id: plan.id } },
          body: {
            mode: mode.mode,
            ...(confirm ? { confirmPlanName: typed } : {}),
            ...(mode.scheduledCleanup ? { cleanupAfterMinutes: cleanup ? Number(cleanup) : null } : {}),
            ...(pointInTime.trim() ? { pointInTime: pointInTime.trim() } : {}),
          },
        }),
      );
      navigate(`/executions/${started.id}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (f: string) => (error instanceof ApiError ? error.fieldError(f) : undefined);
  return (
    <Modal
      visible={mode !== null}
      onDismiss={onClose}
      header={`Start a ${label.toLowerCase()} of ${plan.name}`}
      footer={
        <ModalFooter
          confirm={`Start ${label.toLowerCase()}`}
          onConfirm={() => void start()}
          onCancel={onClose}
          loading={busy}
          disabled={confirm && typed !== plan.name}
        />
      }
    >
      <SpaceBetween size="m">
        {mode?.keepsInstances ? (
          <Alert type="warning" header="This launches production instances">
            A {label.toLowerCase()} of the plan's {plan.waves.length} waves {mode.summary}.
          </Alert>
        ) : (
          <Box>A {label.toLowerCase()} {mode?.summary}.</Box>
        )}
        {confirm && (
          <FormField label={`Type the plan's name, ${plan.name}, to confirm`} errorText={fieldError("confirmPlanName")}>
            <Input value={typed} onChange={({ detail }) => setTyped(detail.value)} ariaLabel="Plan name to confirm" />
          </FormField>
        )}
        {mode?.scheduledCleanup && (
          <FormField label="Clean up after (minutes)" description="Empty: keep the instances until you clean up." errorText={fieldError("cleanupAfterMinutes")}>
            <Input type="number" value={cleanup} onChange={({ detail }) => setCleanup(detail.value)} ariaLabel="Clean up after minutes" />
          </FormField>
        )}
        <FormField
          label={
            <>
              Launch from a point in time <i>- optional</i>
            </>
          }
          description="Empty: the latest data. Otherwise each server launches from its latest recovery snapshot taken at or before this, asked of DRS again as each wave starts (ISO 8601 with a zone)."
          errorText={fieldError("pointInTime")}
        >
          <Input value={pointInTime} onChange={({ detail }) => setPointInTime(detail.value)} placeholder="2026-12-04T09:55Z" ariaLabel="Point in time" />
        </FormField>
        <ProblemAlert error={error} header="The execution did not start" />
      </SpaceBetween>
    </Modal>
  );
}
