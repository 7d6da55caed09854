import { useNow } from "../lib/clock";
import { compact as compactFormat, elapsedSeconds, formatDuration, formatTime, parseTime } from "../lib/time";

/** A moment in the browser's zone, zone named, with the exact UTC time on hover. */
export function Time({ value, compact = false }: { value: string | null | undefined; compact?: boolean }) {
  const date = parseTime(value);
  if (!date) return <>{formatTime(null)}</>;
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {formatTime(value, compact ? compactFormat : undefined)}
    </time>
  );
}

/** How long from start to end; ticks every second while there is no end yet. */
export function Duration({ start, end, running }: { start: string | null | undefined; end: string | null | undefined; running: boolean }) {
  const now = useNow(running && !end);
  return <span data-duration>{formatDuration(elapsedSeconds(start, end ?? (running ? null : start), now))}</span>;
}
