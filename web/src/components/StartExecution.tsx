// Start a drill, or a recovery after typing the plan's name: a recovery launches production.
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import FormField from "@cloudscape-design/components/form-field";
import Input from "@cloudscape-design/components/input";
import Modal from "@cloudscape-design/components/modal";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useState } from "react";
import { useNavigate } from "react-router";
import { api, ApiError, unwrap } from "../api/client";
import type { Mode, RecoveryPlan } from "../api/types";
import { ModalFooter } from "./ModalFooter";
import { ProblemAlert } from "./ProblemAlert";

export function StartExecution({ plan, mode, onClose }: { plan: RecoveryPlan; mode: Mode | null; onClose: () => void }) {
  const navigate = useNavigate();
  const [typed, setTyped] = useState("");
  const [cleanup, setCleanup] = useState(plan.cleanupAfterMinutes ? String(plan.cleanupAfterMinutes) : "");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const recovery = mode === "RECOVERY";
  const start = async () => {
    if (!mode) return;
    setBusy(true);
    setError(null);
    try {
      const started = await unwrap(
        api.POST("/api/v1/recovery-plans/{plan_id}/executions", {
          params: { path: { plan_id: plan.id } },
          body: recovery ? { mode, confirmPlanName: typed } : { mode, cleanupAfterMinutes: cleanup ? Number(cleanup) : null },
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
      header={recovery ? `Start a recovery of ${plan.name}` : `Start a drill of ${plan.name}`}
      footer={
        <ModalFooter
          confirm={recovery ? "Start recovery" : "Start drill"}
          onConfirm={() => void start()}
          onCancel={onClose}
          loading={busy}
          disabled={recovery && typed !== plan.name}
        />
      }
    >
      <SpaceBetween size="m">
        {recovery ? (
          <>
            <Alert type="warning" header="This launches production instances">
              A recovery launches every server of the plan's {plan.waves.length} waves in the recovery region, and its instances are not cleaned up.
            </Alert>
            <FormField label={`Type the plan's name, ${plan.name}, to confirm`} errorText={fieldError("confirmPlanName")}>
              <Input value={typed} onChange={({ detail }) => setTyped(detail.value)} ariaLabel="Plan name to confirm" />
            </FormField>
          </>
        ) : (
          <>
            <Box>A drill launches the plan's servers as isolated recovery instances; replication goes on.</Box>
            <FormField label="Clean up after (minutes)" description="Empty: keep the instances until you clean up." errorText={fieldError("cleanupAfterMinutes")}>
              <Input type="number" value={cleanup} onChange={({ detail }) => setCleanup(detail.value)} ariaLabel="Clean up after minutes" />
            </FormField>
          </>
        )}
        <ProblemAlert error={error} header="The execution did not start" />
      </SpaceBetween>
    </Modal>
  );
}
