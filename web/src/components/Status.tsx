import StatusIndicator from "@cloudscape-design/components/status-indicator";
import { shown, type Shown } from "../lib/status";

export function Status<K extends string>({ map, status }: { map: Record<K, Shown>; status: string }) {
  const { label, type } = shown(map, status);
  return (
    <StatusIndicator type={type} wrapText={false}>
      {label}
    </StatusIndicator>
  );
}
