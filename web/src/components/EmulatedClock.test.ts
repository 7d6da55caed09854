import { describe, expect, it } from "vitest";
import { emulatedClockText } from "./EmulatedClock";

describe("emulatedClockText", () => {
  it("says how fast the emulated clock runs", () => {
    expect(emulatedClockText(60, "2026-12-02T10:00:00Z")).toMatch(/^This server's DRS and engine clock runs 60× faster than real time: every time and duration shown is emulated time \(emulated now: /);
  });
  it("says when it is moved by hand", () => {
    expect(emulatedClockText(null, "2026-12-02T10:00:00Z")).toContain("is moved by hand");
  });
});
