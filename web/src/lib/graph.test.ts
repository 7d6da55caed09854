import { describe, expect, it } from "vitest";
import { layout } from "./graph";

describe("layout", () => {
  it("follows list order when dependsOn is absent", () => {
    const found = layout([{ name: "db" }, { name: "app" }, { name: "web" }]);
    expect(found.levels).toEqual([["db"], ["app"], ["web"]]);
    expect(found.edges).toEqual([
      ["db", "app"],
      ["app", "web"],
    ]);
  });

  it("puts independent waves side by side", () => {
    const found = layout([
      { name: "db", dependsOn: [] },
      { name: "cache", dependsOn: [] },
      { name: "app", dependsOn: ["db", "cache"] },
      { name: "web", dependsOn: ["app"] },
      { name: "batch", dependsOn: ["db"] },
    ]);
    expect(found.problem).toBeNull();
    expect(found.levels).toEqual([["db", "cache"], ["app", "batch"], ["web"]]);
  });

  it("names a cycle", () => {
    const found = layout([
      { name: "a", dependsOn: ["c"] },
      { name: "b", dependsOn: ["a"] },
      { name: "c", dependsOn: ["b"] },
    ]);
    expect(found.levels).toEqual([]);
    expect(found.problem).toMatch(/^dependency cycle: /);
    for (const name of ["a", "b", "c"]) expect(found.problem).toContain(name);
  });

  it("names an unknown wave and a wave waiting on itself", () => {
    expect(layout([{ name: "a", dependsOn: ["zz"] }]).problem).toBe("a depends on unknown wave zz");
    expect(layout([{ name: "a", dependsOn: ["a"] }]).problem).toBe("a depends on itself");
  });
});
