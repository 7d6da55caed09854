// Two saved versions of a plan side by side as a line diff of their YAML.
import { diffLines } from "diff";

export interface DiffLine {
  kind: "added" | "removed" | "same";
  text: string;
}

export function lineDiff(before: string, after: string): DiffLine[] {
  return diffLines(before, after).flatMap((part) =>
    part.value
      .replace(/\n$/, "")
      .split("\n")
      .map((text) => ({ kind: part.added ? "added" : part.removed ? "removed" : "same", text }) as DiffLine),
  );
}

const LOOK = {
  added: { background: "#e9f7ea", sign: "+" },
  removed: { background: "#fde8e8", sign: "-" },
  same: { background: "transparent", sign: " " },
};

export function VersionDiff({ before, after }: { before: string; after: string }) {
  const lines = lineDiff(before, after);
  if (!lines.some((l) => l.kind !== "same")) return <p>The two versions are the same.</p>;
  return (
    <pre aria-label="Version diff" style={{ fontSize: 13, lineHeight: 1.45, overflowX: "auto", margin: 0 }}>
      {lines.map((l, i) => (
        <div key={i} data-diff={l.kind} style={{ background: LOOK[l.kind].background }}>
          {LOOK[l.kind].sign} {l.text}
        </div>
      ))}
    </pre>
  );
}
