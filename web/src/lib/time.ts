// Times in the browser's own zone, named; durations people can read. Bad input shows "—",
// never "Invalid Date", a negative or an absurd duration.

export const NONE = "—";
// Longer than this is a wrong unit or a missing start, not a real drill.
const ABSURD_SECONDS = 400 * 24 * 3600;

export function parseTime(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

// To the second, the zone named.
const INSTANT: Intl.DateTimeFormatOptions = {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
};

const stamp = new Intl.DateTimeFormat(undefined, { year: "numeric", ...INSTANT });

export function formatTime(value: string | null | undefined, format: Intl.DateTimeFormat = stamp): string {
  const date = parseTime(value);
  return date ? format.format(date) : NONE;
}

/** The browser's zone, for headers: "Europe/Paris". */
export function zoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0 || seconds > ABSURD_SECONDS) {
    return NONE;
  }
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (days > 0) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}

/** Seconds from start to end, or to `now` while it runs; null when it has not started. */
export function elapsedSeconds(
  start: string | null | undefined,
  end: string | null | undefined,
  now: number,
): number | null {
  const from = parseTime(start);
  if (!from) return null;
  const to = parseTime(end)?.getTime() ?? now;
  const seconds = (to - from.getTime()) / 1000;
  // A clock a little behind the server's must not show "-2 s" at the start.
  return seconds < 0 ? 0 : seconds;
}

/** The server's clock, advanced by the wall clock at the server's own speed (a demo runs
 * its engine faster than real time). */
export interface ClockSync {
  serverMs: number;
  localMs: number;
  speed: number | null;
}

export function serverNow(sync: ClockSync | null, localMs: number): number {
  if (!sync) return localMs;
  if (sync.speed === null) return sync.serverMs;
  return sync.serverMs + (localMs - sync.localMs) * sync.speed;
}

/** "1 warning", "3 warnings". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Table cells: the same instant without the year, still to the second and zone named. */
export const compact = new Intl.DateTimeFormat(undefined, INSTANT);
