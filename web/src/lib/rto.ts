// The RTO estimate as every view shows it (console, CLI, lint; Python's
// domain/display.estimate says it the same way): to the minute, with its range only when
// the bounds differ.
import { formatDuration } from "./time";

export interface RtoEstimate {
  p50Minutes: number;
  lowMinutes: number;
  highMinutes: number;
}

/** "1 h 7 min", or "20 min (12 min to 35 min)". */
export function rtoEstimateText(e: RtoEstimate): string {
  const [middle, low, high] = [e.p50Minutes, e.lowMinutes, e.highMinutes].map((m) => formatDuration(Math.round(m) * 60));
  return low === high ? middle! : `${middle} (${low} to ${high})`;
}
