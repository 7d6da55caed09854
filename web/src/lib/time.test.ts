import { describe, expect, it } from "vitest";
import cases from "./durations.cases.json";
import { elapsedSeconds, formatDuration, formatTime, NONE, serverNow } from "./time";

describe("formatDuration", () => {
  it.each([
    [0, "0 s"],
    [59.9, "59 s"],
    [60, "1 min"],
    [125, "2 min 5 s"],
    [3600, "1 h"],
    [3 * 3600 + 4 * 60 + 9, "3 h 4 min"],
    [2 * 86400 + 3 * 3600, "2 d 3 h"],
    [86400, "1 d"],
  ])("%s seconds reads %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([null, undefined, -1, Number.NaN, Number.POSITIVE_INFINITY, 489653 * 3600])(
    "refuses %s rather than show a wrong duration",
    (seconds) => {
      expect(formatDuration(seconds)).toBe(NONE);
    },
  );
});

describe("formatTime", () => {
  it("never shows Invalid Date", () => {
    for (const bad of [null, undefined, "", "not a date", "2026-13-45T99:00:00Z"]) {
      expect(formatTime(bad)).toBe(NONE);
    }
  });

  it("names the zone", () => {
    const utc = new Intl.DateTimeFormat("en-GB", {
      timeZone: "UTC",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
    });
    expect(formatTime("2026-11-22T10:05:00Z", utc)).toBe("10:05 UTC");
    const paris = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/Paris",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
    });
    expect(formatTime("2026-11-22T10:05:00Z", paris)).toBe("11:05 CET");
  });
});

describe("elapsedSeconds", () => {
  const start = "2026-11-22T10:00:00Z";
  const startMs = Date.parse(start);

  it("ticks against now while running and stops at the end", () => {
    expect(elapsedSeconds(start, null, startMs + 90_000)).toBe(90);
    expect(elapsedSeconds(start, "2026-11-22T10:02:00Z", startMs + 999_000)).toBe(120);
  });

  it("has no duration before the start, and none below zero", () => {
    expect(elapsedSeconds(null, null, startMs)).toBeNull();
    expect(elapsedSeconds(start, null, startMs - 5_000)).toBe(0);
  });
});

describe("serverNow", () => {
  it("runs at the server's speed from the moment it was read", () => {
    const sync = { serverMs: 1_000_000, localMs: 5_000, speed: 60 };
    expect(serverNow(sync, 6_000)).toBe(1_060_000);
    expect(serverNow({ ...sync, speed: null }, 60_000)).toBe(1_000_000);
    expect(serverNow(null, 42)).toBe(42);
  });
});

describe("formatDuration, as Python's domain/display.duration says it", () => {
  it.each(cases as [number | null, string][])("%s s reads %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
