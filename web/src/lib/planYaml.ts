// The plan as YAML, the way operators keep it in Git, and back: waves name their protection
// groups by name, as plan files do (`drs-orchestrator plan export`), not by ID.
import { parse, stringify } from "yaml";
import type { RecoveryPlanSpec } from "../api/types";

const SPEC_KEYS = ["name", "description", "rtoTargetMinutes", "cleanupAfterMinutes", "launchSettings", "waves"] as const;

/** Only the spec's own fields, in a stable order (no id, version or timestamps). */
export function specOf(plan: RecoveryPlanSpec): RecoveryPlanSpec {
  const out: Record<string, unknown> = {};
  for (const key of SPEC_KEYS) {
    const value = (plan as Record<string, unknown>)[key];
    if (value !== undefined && value !== null && value !== "") out[key] = value;
  }
  return out as unknown as RecoveryPlanSpec;
}

type Wave = RecoveryPlanSpec["waves"][number];

function mapGroups(plan: RecoveryPlanSpec, to: (group: string) => string): RecoveryPlanSpec {
  const waves = plan.waves.map((w: Wave) => ({ ...w, protectionGroupIds: (w.protectionGroupIds ?? []).map(to) }));
  return { ...plan, waves } as RecoveryPlanSpec;
}

/** `groupNames`: ID → name; an ID without a name stays as it is. */
export function toYaml(plan: RecoveryPlanSpec, groupNames: Record<string, string> = {}): string {
  return stringify(specOf(mapGroups(plan, (id) => groupNames[id] ?? id)), { lineWidth: 100 });
}

/** `groupNames`: ID → name, read back case-insensitively; an unknown name is left for the
 * server to refuse with its field. */
export function fromYaml(text: string, groupNames: Record<string, string> = {}): { plan: RecoveryPlanSpec | null; error: string | null } {
  const ids = Object.fromEntries(Object.entries(groupNames).map(([id, name]) => [name.toLowerCase(), id]));
  const parsed = parsePlan(text);
  return parsed.plan ? { plan: mapGroups(parsed.plan, (g) => (typeof g === "string" ? (ids[g.toLowerCase()] ?? g) : g)), error: null } : parsed;
}

function parsePlan(text: string): { plan: RecoveryPlanSpec | null; error: string | null } {
  try {
    const value: unknown = parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { plan: null, error: "The YAML must be a mapping with name and waves" };
    }
    if (!Array.isArray((value as { waves?: unknown }).waves)) {
      return { plan: null, error: "The plan needs a list of waves" };
    }
    return { plan: value as RecoveryPlanSpec, error: null };
  } catch (error) {
    return { plan: null, error: error instanceof Error ? error.message : String(error) };
  }
}
