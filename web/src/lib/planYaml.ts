// The plan as YAML, the way operators keep it in Git, and back.
import { parse, stringify } from "yaml";
import type { RecoveryPlanSpec } from "../api/types";

const SPEC_KEYS = ["name", "description", "rtoTargetMinutes", "cleanupAfterMinutes", "waves"] as const;

/** Only the spec's own fields, in a stable order (no id, version or timestamps). */
export function specOf(plan: RecoveryPlanSpec): RecoveryPlanSpec {
  const out: Record<string, unknown> = {};
  for (const key of SPEC_KEYS) {
    const value = (plan as Record<string, unknown>)[key];
    if (value !== undefined && value !== null && value !== "") out[key] = value;
  }
  return out as unknown as RecoveryPlanSpec;
}

export function toYaml(plan: RecoveryPlanSpec): string {
  return stringify(specOf(plan), { lineWidth: 100 });
}

export function fromYaml(text: string): { plan: RecoveryPlanSpec | null; error: string | null } {
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
