import { describe, expect, it } from "vitest";
import { fromYaml, settingsOf, shownValue, sourceLabel, toYaml, withOverrides } from "./launch";

describe("launch settings", () => {
  it("names each value's source as the person wrote it", () => {
    expect(sourceLabel("defaults")).toBe("Group default");
    expect(sourceLabel("subnetRules[0]")).toBe("Subnet rule 1");
    expect(sourceLabel("tagRules[2].settings")).toBe("Tag rule 3");
    expect(sourceLabel("overrides.s-0000000000000000a")).toBe("Override");
  });

  it("round-trips the settings through YAML, leaving out what is empty", () => {
    const doc = { version: 2, defaults: { instanceType: "r6i.large" }, subnetRules: [], tagRules: [], overrides: {} };
    const text = toYaml(doc);
    expect(text).toBe("defaults:\n  instanceType: r6i.large\n");
    expect(fromYaml(text).settings).toEqual({ defaults: { instanceType: "r6i.large" } });
    expect(fromYaml("- a").error).toContain("mapping");
    expect(fromYaml("a: [").error).toContain("Not YAML");
  });

  it("sets or removes the selected servers' overrides, keeping the others", () => {
    const settings = { overrides: { "s-a": { instanceType: "t3.large", subnetId: "subnet-1" }, "s-b": { instanceType: "t3.small" } } };
    expect(withOverrides(settings, ["s-a", "s-c"], { instanceType: "m5.large" }).overrides).toEqual({
      "s-a": { instanceType: "m5.large", subnetId: "subnet-1" },
      "s-b": { instanceType: "t3.small" },
      "s-c": { instanceType: "m5.large" },
    });
    expect(withOverrides(settings, ["s-a"], null).overrides).toEqual({ "s-b": { instanceType: "t3.small" } });
  });

  it("keeps the failback settings through YAML and an edit of the overrides", () => {
    const failback = { defaults: { subnetId: "subnet-0123456789abcdef0" } };
    const doc = { version: 3, defaults: {}, subnetRules: [], tagRules: [], overrides: {}, failback };
    const text = toYaml(doc);
    expect(text).toContain("failback:\n  defaults:\n    subnetId: subnet-0123456789abcdef0");
    expect(fromYaml(text).settings).toEqual({ failback });
    expect(withOverrides(settingsOf(doc), ["s-a"], { instanceType: "m5.large" }).failback).toEqual(failback);
  });

  it("shows lists and tags as they read", () => {
    expect(shownValue(["sg-1", "sg-2"])).toBe("sg-1, sg-2");
    expect(shownValue({ Env: "dr" })).toBe("Env=dr");
    expect(shownValue(undefined)).toBe("—");
  });
});
