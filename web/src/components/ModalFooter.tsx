import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import SpaceBetween from "@cloudscape-design/components/space-between";

/** A dialog's buttons: a way out, and the one action it is for. */
export function ModalFooter({
  confirm,
  onConfirm,
  onCancel,
  cancel = "Cancel",
  loading = false,
  disabled = false,
}: {
  confirm: string;
  onConfirm: () => void;
  onCancel: () => void;
  cancel?: string;
  loading?: boolean;
  disabled?: boolean;
}) {
  return (
    <Box float="right">
      <SpaceBetween direction="horizontal" size="xs">
        <Button variant="link" onClick={onCancel}>
          {cancel}
        </Button>
        <Button variant="primary" loading={loading} disabled={disabled} onClick={onConfirm}>
          {confirm}
        </Button>
      </SpaceBetween>
    </Box>
  );
}
