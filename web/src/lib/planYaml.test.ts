import { describe, expect, it } from "vitest";
import type { RecoveryPlanSpec } from "../api/types";
import { fromYaml, toYaml } from "./planYaml";

const plan = {
  name: "Shop",
  description: "",
  rtoTargetMinutes: 90,
  cleanupAfterMinutes: null,
  waves: [{ name: "Database", protectionGroupIds: ["g1"], dependsOn: [] }],
} as unknown as RecoveryPlanSpec;

describe("plan YAML", () => {
  it("round-trips the spec and leaves out empty fields", () => {
    const text = toYaml(plan);
    expect(text).not.toContain("cleanupAfterMinutes");
    expect(text).not.toContain("description");
    expect(fromYaml(text)).toEqual({
      plan: { name: "Shop", rtoTargetMinutes: 90, waves: plan.waves },
      error: null,
    });
  });

  it("names groups by name, as plan files do, and reads names back as IDs", () => {
    const names = { g1: "Databases" };
    const text = toYaml(plan, names);
    expect(text).toContain("- Databases");
    expect(text).not.toContain("g1");
    expect(fromYaml(text.replace("Databases", "databases"), names).plan?.waves[0]?.protectionGroupIds).toEqual(["g1"]);
    expect(fromYaml(text, {}).plan?.waves[0]?.protectionGroupIds).toEqual(["Databases"]);
  });

  it("says what is wrong instead of throwing", () => {
    expect(fromYaml("name: [").error).toBeTruthy();
    expect(fromYaml("- a").error).toBe("The YAML must be a mapping with name and waves");
    expect(fromYaml("name: x").error).toBe("The plan needs a list of waves");
  });
});
