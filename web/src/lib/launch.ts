// Launch settings in the console's words: where an effective value comes from, and the
// settings document as YAML (the form `drs-orchestrator pg launch-settings show` prints).
import { parse, stringify } from "yaml";
import type { LaunchSettingsDoc } from "../api/types";

export type LaunchSettings = Pick<LaunchSettingsDoc, "defaults" | "subnetRules" | "tagRules" | "overrides" | "failback">;
export type LaunchValues = NonNullable<LaunchSettings["defaults"]>;

/** `defaults` → "Group default", `tagRules[1].settings` → "Tag rule 2", ... */
export function sourceLabel(path: string): string {
  if (path === "defaults") return "Group default";
  const rule = /^(subnetRules|tagRules)\[(\d+)\]/.exec(path);
  if (rule) return `${rule[1] === "subnetRules" ? "Subnet rule" : "Tag rule"} ${Number(rule[2]) + 1}`;
  if (path.startsWith("overrides.")) return "Override";
  return path;
}

/** Only what is set, in a stable order. */
export function settingsOf(doc: LaunchSettingsDoc): LaunchSettings {
  const out: Record<string, unknown> = {};
  if (doc.defaults && Object.keys(doc.defaults).length) out.defaults = doc.defaults;
  if (doc.subnetRules?.length) out.subnetRules = doc.subnetRules;
  if (doc.tagRules?.length) out.tagRules = doc.tagRules;
  if (doc.overrides && Object.keys(doc.overrides).length) out.overrides = doc.overrides;
  if (doc.failback) out.failback = doc.failback; // a failback's own: kept whatever is edited here
  return out as LaunchSettings;
}

export function toYaml(doc: LaunchSettingsDoc): string {
  const settings = settingsOf(doc);
  return Object.keys(settings).length ? stringify(settings, { lineWidth: 100 }) : "";
}

export function fromYaml(text: string): { settings: LaunchSettings | null; error: string | null } {
  try {
    const value: unknown = parse(text) ?? {};
    if (typeof value !== "object" || Array.isArray(value)) return { settings: null, error: "The settings must be a mapping: defaults, subnetRules, tagRules, overrides, failback." };
    return { settings: value as LaunchSettings, error: null };
  } catch (failure) {
    return { settings: null, error: `Not YAML: ${failure instanceof Error ? failure.message : String(failure)}` };
  }
}

/** The selected servers' overrides with `values` set (an empty value leaves a field as it
 * is), or with their overrides removed. */
export function withOverrides(settings: LaunchSettings, serverIds: string[], values: LaunchValues | null): LaunchSettings {
  const overrides = { ...(settings.overrides ?? {}) };
  for (const id of serverIds) {
    if (values === null) delete overrides[id];
    else overrides[id] = { ...(overrides[id] ?? {}), ...values };
  }
  return { ...settings, overrides };
}

/** A value as it reads in a cell. */
export function shownValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "object") return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(", ");
  return String(value);
}
