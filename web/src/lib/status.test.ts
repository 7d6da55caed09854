import { describe, expect, it } from "vitest";
import { EXECUTION, SERVER, WAVE, shown } from "./status";

describe("status names", () => {
  it("never shows an internal code as the label", () => {
    for (const map of [EXECUTION, WAVE, SERVER]) {
      for (const [code, { label }] of Object.entries(map)) {
        expect(label).not.toBe(code);
        expect(label).not.toMatch(/_/);
      }
    }
  });

  it("marks failures as errors and successes as success", () => {
    expect(EXECUTION.FAILED.type).toBe("error");
    expect(EXECUTION.TIMED_OUT.type).toBe("error");
    expect(EXECUTION.COMPLETED.type).toBe("success");
    expect(EXECUTION.PARTIAL.type).toBe("warning");
    expect(WAVE.AWAITING_APPROVAL.type).toBe("warning");
    expect(SERVER.READY.type).toBe("success");
  });

  it("shows a status this build does not know as it is", () => {
    expect(shown(EXECUTION, "RUNNING").label).toBe("Running");
    expect(shown(EXECUTION, "SOMETHING_NEW")).toEqual({ label: "SOMETHING_NEW", type: "info" });
  });
});
