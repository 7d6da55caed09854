import { describe, expect, it } from "vitest";
import { crumbsFor } from "./crumbs";

const texts = (path: string, label: string | null = null) => crumbsFor(path, label).map((c) => c.text);

describe("crumbsFor", () => {
  it("starts at the dashboard and names what the page shows", () => {
    expect(texts("/")).toEqual(["Dashboard"]);
    expect(texts("/recovery-plans")).toEqual(["Dashboard", "Recovery plans"]);
    expect(texts("/recovery-plans/p-1", "Shop")).toEqual(["Dashboard", "Recovery plans", "Shop"]);
    expect(texts("/recovery-plans/p-1/edit", "Shop")).toEqual(["Dashboard", "Recovery plans", "Shop", "Edit"]);
    expect(texts("/executions/e-1/report", "Drill of Shop")).toEqual(["Dashboard", "Executions", "Drill of Shop", "Report"]);
    expect(texts("/protection-groups/new")).toEqual(["Dashboard", "Protection groups", "Create"]);
  });

  it("shows the ID until the page has its name, and links each step", () => {
    expect(texts("/executions/e-1")).toEqual(["Dashboard", "Executions", "e-1"]);
    expect(crumbsFor("/executions/e-1/report", "x").map((c) => c.href)).toEqual(["/", "/executions", "/executions/e-1", "/executions/e-1/report"]);
  });
});
