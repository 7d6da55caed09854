import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { lineDiff, VersionDiff } from "./VersionDiff";

describe("lineDiff", () => {
  it("marks added, removed and unchanged lines", () => {
    expect(lineDiff("a\nb\nc\n", "a\nB\nc\n")).toEqual([
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "added", text: "B" },
      { kind: "same", text: "c" },
    ]);
  });
});

describe("VersionDiff", () => {
  it("says when nothing changed", () => {
    render(<VersionDiff before={"x: 1\n"} after={"x: 1\n"} />);
    expect(screen.getByText("The two versions are the same.")).toBeTruthy();
  });

  it("shows each changed line once with its sign", () => {
    const { container } = render(<VersionDiff before={"timeoutMinutes: 90\n"} after={"timeoutMinutes: 30\n"} />);
    expect(container.querySelectorAll('[data-diff="removed"]')).toHaveLength(1);
    expect(container.querySelector('[data-diff="added"]')?.textContent).toBe("+ timeoutMinutes: 30");
  });
});
