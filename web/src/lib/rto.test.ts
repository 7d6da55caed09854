import { describe, expect, it } from "vitest";
import { rtoEstimateText } from "./rto";

describe("rtoEstimateText", () => {
  it("gives one duration, to the minute, when history gives no range", () => {
    expect(rtoEstimateText({ p50Minutes: 66.8, lowMinutes: 66.8, highMinutes: 66.8 })).toBe("1 h 7 min");
  });
  it("gives the range when there is one", () => {
    expect(rtoEstimateText({ p50Minutes: 20.2, lowMinutes: 12, highMinutes: 35.4 })).toBe("20 min (12 min to 35 min)");
  });
});
