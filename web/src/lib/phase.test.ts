import { describe, expect, it } from "vitest";
import { phaseOf } from "./phase";

const at = "2026-01-05T09:00:00Z";

describe("phaseOf", () => {
  it("follows the job log's phases in order", () => {
    expect(phaseOf({ phases: {}, launchedAt: null })).toBe("—");
    expect(phaseOf({ phases: { SNAPSHOT_START: at }, launchedAt: null })).toBe("Taking snapshot");
    expect(phaseOf({ phases: { SNAPSHOT_START: at, SNAPSHOT_END: at }, launchedAt: null })).toBe("Snapshot done");
    expect(phaseOf({ phases: { SNAPSHOT_END: at, CONVERSION_START: at }, launchedAt: null })).toBe("Converting");
    expect(phaseOf({ phases: { CONVERSION_END: at }, launchedAt: null })).toBe("Conversion done");
    expect(phaseOf({ phases: { CONVERSION_END: at, LAUNCH_START: at }, launchedAt: null })).toBe("Launching");
  });

  it("counts a launch done when DRS launched the instance (the log has no LAUNCH_END)", () => {
    expect(phaseOf({ phases: { LAUNCH_START: at }, launchedAt: at })).toBe("Launched");
  });
});
