import { describe, expect, it } from "vitest";
import { EXECUTION, SERVER, WAVE, shown, wavesProgress } from "./status";

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

describe("waves' progress", () => {
  const w = (status: keyof typeof WAVE, ended = true) => ({ status, ended });
  it("counts completed waves, and says how the others ended", () => {
    expect(wavesProgress([w("COMPLETED"), w("COMPLETED"), w("COMPLETED")])).toBe("3 of 3 waves completed");
    expect(wavesProgress([w("COMPLETED"), w("LAUNCHING", false), w("PENDING", false)])).toBe("1 of 3 waves completed");
    expect(wavesProgress([w("COMPLETED"), w("CANCELLED"), w("CANCELLED")])).toBe("1 of 3 waves completed; 2 cancelled");
    expect(wavesProgress([w("FAILED"), w("TIMED_OUT"), w("SKIPPED"), w("COMPLETED")])).toBe("1 of 4 waves completed; 1 failed, 1 timed out, 1 skipped");
  });
});
