// The plan's waves as a drawn dependency graph: columns are waves that may run together.
import Box from "@cloudscape-design/components/box";
import { layout, type WaveNode } from "../lib/graph";
import { shown, WAVE } from "../lib/status";

const W = 170;
const H = 44;
const GAP_X = 60;
const GAP_Y = 18;

const FILL: Record<string, string> = {
  success: "#e9f7ea",
  error: "#fde8e8",
  warning: "#fff6e0",
  "in-progress": "#e6f2fb",
  pending: "#f4f4f4",
  stopped: "#efefef",
  "not-started": "#ffffff",
  info: "#e6f2fb",
  loading: "#e6f2fb",
};

export function WaveGraph({ waves, statuses }: { waves: WaveNode[]; statuses?: Record<string, string> }) {
  const found = layout(waves);
  if (found.problem) {
    return (
      <div role="alert">
        <Box color="text-status-error">Cannot draw the graph: {found.problem}</Box>
      </div>
    );
  }
  const at = new Map<string, { x: number; y: number }>();
  found.levels.forEach((names, col) =>
    names.forEach((name, row) => at.set(name, { x: col * (W + GAP_X), y: row * (H + GAP_Y) })),
  );
  const width = Math.max(1, found.levels.length) * (W + GAP_X) - GAP_X + 2;
  const height = Math.max(1, ...found.levels.map((l) => l.length)) * (H + GAP_Y) - GAP_Y + 2;
  // Drawn at its natural size: on a narrow screen the graph scrolls sideways in its box
  // (the labels stay readable), rather than shrinking to fit.
  return (
    <div data-graph-scroll tabIndex={0} role="region" aria-label="Wave dependency graph, scrolls sideways" style={{ overflowX: "auto", maxWidth: "100%" }}>
    <svg
      role="img"
      aria-label={`Wave dependency graph: ${found.edges.map(([a, b]) => `${b} after ${a}`).join(", ") || "no dependencies"}`}
      width={width}
      height={height}
      viewBox={`-1 -1 ${width} ${height}`}
      style={{ display: "block", flex: "none", fontFamily: "inherit" }}
    >
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" fill="#687078" />
        </marker>
      </defs>
      {found.edges.map(([from, to]) => {
        const a = at.get(from)!;
        const b = at.get(to)!;
        return (
          <line
            key={`${from}->${to}`}
            x1={a.x + W}
            y1={a.y + H / 2}
            x2={b.x - 2}
            y2={b.y + H / 2}
            stroke="#687078"
            strokeWidth={1.5}
            markerEnd="url(#arrow)"
          />
        );
      })}
      {[...at].map(([name, { x, y }]) => {
        const status = statuses?.[name];
        const look = status ? shown(WAVE, status) : null;
        return (
          <g key={name} data-wave={name} data-status={status ?? ""}>
            <rect x={x} y={y} width={W} height={H} rx={8} fill={FILL[look?.type ?? "not-started"]} stroke="#8d99a8" />
            <text x={x + 10} y={y + 18} fontSize={13} fontWeight={700} fill="#16191f">
              {name.length > 22 ? `${name.slice(0, 21)}…` : name}
            </text>
            {look && (
              <text x={x + 10} y={y + 35} fontSize={11} fill="#414d5c">
                {look.label}
              </text>
            )}
          </g>
        );
      })}
    </svg>
    </div>
  );
}
