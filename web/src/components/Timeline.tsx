// A Gantt-like timeline: each wave's bar from its start to its end (or now while it runs),
// with its DRS launch marked, on one time axis.
import Box from "@cloudscape-design/components/box";
import type { WaveRun } from "../api/types";
import { useNow } from "../lib/clock";
import { shown, WAVE } from "../lib/status";
import { formatDuration, parseTime } from "../lib/time";

const COLOR: Record<string, string> = {
  success: "#037f0c",
  error: "#d91515",
  warning: "#8d6605",
  "in-progress": "#0972d3",
  pending: "#8d99a8",
  stopped: "#8d99a8",
  "not-started": "#d1d5db",
  info: "#0972d3",
  loading: "#0972d3",
};

export interface Bar {
  name: string;
  start: number;
  launch: number | null;
  end: number;
  running: boolean;
}

export function bars(waves: WaveRun[], now: number): Bar[] {
  return waves.flatMap((w) => {
    const start = parseTime(w.startedAt)?.getTime();
    if (start === undefined) return [];
    const end = parseTime(w.endedAt)?.getTime();
    return [
      {
        name: w.name,
        start,
        launch: parseTime(w.launchStartedAt)?.getTime() ?? null,
        end: Math.max(start, end ?? now),
        running: end === undefined,
      },
    ];
  });
}

export function Timeline({ waves, running }: { waves: WaveRun[]; running: boolean }) {
  const now = useNow(running);
  const shownBars = bars(waves, now);
  if (shownBars.length === 0) return <Box color="text-body-secondary">No wave has started yet.</Box>;
  const t0 = Math.min(...shownBars.map((b) => b.start));
  const t1 = Math.max(...shownBars.map((b) => b.end), t0 + 1000);
  const pct = (t: number) => ((t - t0) / (t1 - t0)) * 100;
  return (
    <div role="list" aria-label="Wave timeline">
      {waves.map((w) => {
        const bar = shownBars.find((b) => b.name === w.name);
        const look = shown(WAVE, w.status);
        return (
          <div role="listitem" key={w.name} style={{ display: "flex", flexWrap: "wrap", alignItems: "center", gap: "4px 12px", margin: "6px 0" }}>
            <div style={{ flex: "0 1 160px", minWidth: 0, overflow: "hidden", textOverflow: "ellipsis" }}>{w.name}</div>
            <div style={{ position: "relative", flex: "1 1 120px", height: 22, background: "#f4f4f4", borderRadius: 4 }}>
              {bar && (
                <div
                  title={`${look.label}: ${formatDuration((bar.end - bar.start) / 1000)}`}
                  style={{
                    position: "absolute",
                    left: `${pct(bar.start)}%`,
                    width: `${Math.max(0.8, pct(bar.end) - pct(bar.start))}%`,
                    top: 3,
                    bottom: 3,
                    borderRadius: 3,
                    background: COLOR[look.type],
                    opacity: bar.running ? 0.75 : 1,
                  }}
                />
              )}
              {bar?.launch && (
                <div
                  title="DRS launch started"
                  style={{ position: "absolute", left: `${pct(bar.launch)}%`, top: 0, bottom: 0, width: 2, background: "#16191f" }}
                />
              )}
            </div>
            <div style={{ width: 190, flex: "none" }}>
              {look.label}
              {bar ? ` · ${formatDuration((bar.end - bar.start) / 1000)}` : ""}
            </div>
          </div>
        );
      })}
    </div>
  );
}
