import { describe as suite, expect, it } from "vitest";
import type { Transition } from "../api/types";
import { NO_NAMES, type Names } from "./names";
import { describe } from "./transition";

const t = (over: Partial<Transition>): Transition => ({ seq: 1, at: "2026-11-22T10:00:00Z", kind: "wave", subject: "Database", old: null, new: null, detail: {}, ...over });
const names: Names = {
  hosts: { "s-1": "db-01" },
  batches: { "1.111111111111.us-east-1.1.a1": { wave: "Database", servers: 2, jobId: "drsjob-0123456789abcdef0" } },
  hooks: { "Web/post/0": "Web: after launch, SSM command AWS-RunShellScript" },
};

suite("describe", () => {
  it("names statuses in words, not codes", () => {
    expect(describe(t({ old: "WAITING", new: "AWAITING_APPROVAL" }))).toBe("Wave Database: Waiting → Awaiting approval");
    expect(describe(t({ kind: "execution", subject: "e1", old: "RUNNING", new: "COMPLETED" }))).toBe("Execution: Running → Completed");
  });

  it("names servers by hostname and gives DRS's reason", () => {
    expect(describe(t({ kind: "server", subject: "s-1", old: "IN_PROGRESS", new: "FAILED", detail: { reason: "LAUNCH_FAILED: no capacity" } }), names)).toBe(
      "Server db-01: DRS: launching → Failed: LAUNCH_FAILED: no capacity",
    );
  });

  it("names a batch by its wave and DRS job ID, never by its internal key", () => {
    const key = "1.111111111111.us-east-1.1.a1";
    expect(describe(t({ kind: "batch", subject: key, new: "QUEUED", detail: { servers: 2 } }), names)).toBe("Wave Database: DRS launch of 2 servers queued for DRS capacity");
    expect(describe(t({ kind: "batch", subject: key, old: "STARTING", new: "RUNNING", detail: { jobId: "drsjob-0123456789abcdef0" } }), names)).toBe(
      "Wave Database: DRS job drsjob-0123456789abcdef0 started for 2 servers",
    );
    expect(describe(t({ kind: "batch", subject: key, old: "RUNNING", new: "ENDED" }), names)).toBe("Wave Database: DRS job drsjob-0123456789abcdef0 ended");
    expect(describe(t({ kind: "batch", subject: key, new: "QUEUED", detail: { servers: 1 } }), NO_NAMES)).not.toContain(key);
    expect(describe(t({ kind: "batch", subject: key, old: "ADMITTED", new: "ADMITTED", detail: { launchSettings: "re-applied to 2 servers, 1 changed" } }), names)).toBe(
      "Wave Database: launch settings re-applied to 2 servers, 1 changed",
    );
  });

  it("names hooks by what they do", () => {
    expect(describe(t({ kind: "hook", subject: "Web/post/0", old: "RUNNING", new: "PASSED" }), names)).toBe("Hook Web: after launch, SSM command AWS-RunShellScript: Running → Passed");
  });

  it("names a recovery instance by its EC2 ID, not by its source server's", () => {
    expect(describe(t({ kind: "instance", subject: "s-1", new: "RUNNING", detail: { recoveryInstanceId: "i-0abc", ec2InstanceId: "i-0abc" } }), names)).toBe(
      "Recovery instance i-0abc of db-01: Running",
    );
  });

  it("says what a clean-up job terminates", () => {
    expect(describe(t({ kind: "cleanup", subject: "e1", detail: { jobIds: ["drsjob-1"], instances: 9 } }))).toBe("Clean-up: DRS job drsjob-1 started to terminate 9 recovery instances");
    expect(describe(t({ kind: "cleanup", subject: "e1", old: "RUNNING", new: "COMPLETED" }))).toBe("Clean-up: Cleaning up → Cleaned up");
  });
});
