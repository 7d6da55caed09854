import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { layoutColumn } from "./DataTable";

type Row = { text: string };

const cellOf = (kind: Parameters<typeof layoutColumn<Row>>[0]["kind"], text: string) => {
  const column = layoutColumn<Row>({ id: "c", header: "Column", kind, cell: (r) => r.text }, false);
  return render(<>{column.cell({ text })}</>).container.firstElementChild as HTMLElement;
};

describe("the table layout rule", () => {
  it("never wraps an ID, and sets the kind's minimum width", () => {
    const column = layoutColumn<Row>({ id: "job", header: "DRS job", kind: "id", cell: (r) => r.text }, false);
    expect(column.minWidth).toBe(150);
    expect(column.isRowHeader).toBe(false);
    expect(cellOf("id", "drsjob-3ac3ae8d798734cf5").style.whiteSpace).toBe("nowrap");
  });

  it("wraps text between words only, keeping dashed tokens whole", () => {
    const cell = cellOf("long", "Instance s-3dd1d5ee568bdbf35 launched on 2026-01-05 after pre-launch hooks");
    expect(cell.style.whiteSpace).toBe("normal");
    expect(cell.style.wordBreak).toBe("normal");
    const whole = [...cell.querySelectorAll("span")].map((s) => [s.textContent, s.style.whiteSpace]);
    expect(whole).toEqual([
      ["s-3dd1d5ee568bdbf35", "nowrap"],
      ["2026-01-05", "nowrap"],
      ["pre-launch", "nowrap"],
    ]);
    expect(cell.textContent).toBe("Instance s-3dd1d5ee568bdbf35 launched on 2026-01-05 after pre-launch hooks");
  });

  it("keeps a number with its unit, so a duration's unit never stands alone", () => {
    const cell = cellOf("short", "20 min 53 s");
    const whole = [...cell.querySelectorAll("span")].map((s) => [s.textContent, s.style.whiteSpace]);
    expect(whole).toEqual([
      ["20 min", "nowrap"],
      ["53 s", "nowrap"],
    ]);
    expect(cell.textContent).toBe("20 min 53 s");
  });

  it("makes the first column the row header, a name by default", () => {
    const first = layoutColumn<Row>({ id: "host", header: "Hostname", cell: (r) => r.text }, true);
    expect(first.isRowHeader).toBe(true);
    expect(first.minWidth).toBe(100);
  });
});
