import { describe as suite, expect, it } from "vitest";
import type { Transition } from "../api/types";
import { describe } from "./transition";

const t = (over: Partial<Transition>): Transition => ({ seq: 1, at: "2026-11-22T10:00:00Z", kind: "wave", subject: "Database", old: null, new: null, detail: {}, ...over });

suite("describe", () => {
  it("names statuses in words, not codes", () => {
    expect(describe(t({ old: "WAITING", new: "AWAITING_APPROVAL" }))).toBe("Wave Database: Waiting → Awaiting approval");
    expect(describe(t({ kind: "execution", subject: "e1", old: "RUNNING", new: "COMPLETED" }))).toBe("Execution: Running → Completed");
  });

  it("names servers by hostname and gives DRS's reason", () => {
    expect(describe(t({ kind: "server", subject: "s-1", old: "IN_PROGRESS", new: "FAILED", detail: { reason: "LAUNCH_FAILED: no capacity" } }), { "s-1": "db-01" })).toBe(
      "Server db-01: DRS: launching → Failed: LAUNCH_FAILED: no capacity",
    );
  });
});
