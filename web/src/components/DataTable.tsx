// The console's one layout rule for tables. Every table is a DataTable: each column says what
// kind of value it holds, and the kind decides how it is laid out, so that nothing is clipped
// at desktop widths and no word or ID is broken across lines at any width:
// - IDs, names, statuses, times and short values never wrap (an ID broken after "s-" reads as
//   two things), and have a minimum width that fits them;
// - text (messages, fixes, failures, hooks) wraps between words, never inside one;
// - the first column (what the row is) stays in view while the table scrolls sideways;
// - the person picks and orders the columns in the table's preferences, kept in this browser.
import CollectionPreferences, { type CollectionPreferencesProps } from "@cloudscape-design/components/collection-preferences";
import Table, { type TableProps } from "@cloudscape-design/components/table";
import { useState, type CSSProperties, type ReactNode } from "react";
import "./DataTable.css";

export type ColumnKind = "name" | "id" | "status" | "time" | "short" | "text" | "long" | "actions";

// Minimum widths in px: each fits the kind's usual values and its header's longest word.
// Only IDs never wrap at all; everything else wraps between words, never inside one.
const RULE: Record<ColumnKind, { minWidth: number; wrap: boolean }> = {
  name: { minWidth: 100, wrap: true }, // a hostname, a plan, a wave: what the row is
  id: { minWidth: 150, wrap: false }, // s-…, i-…, drsjob-…, in code
  status: { minWidth: 90, wrap: true },
  time: { minWidth: 120, wrap: true },
  short: { minWidth: 60, wrap: true }, // counts, durations, versions, regions
  text: { minWidth: 90, wrap: true },
  long: { minWidth: 100, wrap: true }, // findings, fixes, failures: as wide as room allows
  actions: { minWidth: 80, wrap: false },
};

const NOWRAP: CSSProperties = { whiteSpace: "nowrap" };
// IDs in the code font a size down, so that two of them fit beside the rest at 1440 px.
const ID: CSSProperties = { whiteSpace: "nowrap", fontSize: 12 };
// Between words only: Cloudscape's wrapped cells may break inside a word ("Hostna me").
const WORDS: CSSProperties = { whiteSpace: "normal", wordBreak: "normal", overflowWrap: "normal" };

export interface Column<T> extends Omit<TableProps.ColumnDefinition<T>, "header" | "id"> {
  id: string;
  header: string;
  kind?: ColumnKind;
  /** Not shown until the person picks it in the table's preferences. */
  hidden?: boolean;
}

export type DataTableProps<T> = Omit<TableProps<T>, "columnDefinitions" | "wrapLines" | "stickyColumns" | "columnDisplay" | "preferences"> & {
  /** Names the table's preferences in this browser's storage. */
  name: string;
  columnDefinitions: ReadonlyArray<Column<T>>;
};

interface Stored {
  contentDisplay?: ReadonlyArray<CollectionPreferencesProps.ContentDisplayItem>;
  stickyFirst?: number;
}

const KEY = (name: string) => `drso.table.${name}`;

function load(name: string): Stored {
  try {
    return JSON.parse(localStorage.getItem(KEY(name)) ?? "{}") as Stored;
  } catch {
    return {};
  }
}

/** The table's preferences, kept per table in local storage. */
function usePreferences(name: string, columns: ReadonlyArray<{ id: string; hidden?: boolean }>) {
  const ids = columns.map((c) => c.id);
  const [stored, setStored] = useState<Stored>(() => load(name));
  const known = (stored.contentDisplay ?? []).filter((c) => ids.includes(c.id));
  // Columns added since the preferences were saved are shown, at the end.
  const contentDisplay = [...known, ...columns.filter((c) => !known.some((k) => k.id === c.id)).map((c) => ({ id: c.id, visible: !c.hidden }))];
  const save = (next: Stored) => {
    setStored(next);
    try {
      localStorage.setItem(KEY(name), JSON.stringify(next));
    } catch {
      // Storage may be full or refused: the choice holds for this visit.
    }
  };
  return { contentDisplay, stickyFirst: stored.stickyFirst ?? 1, save };
}

// In text, a token with a dash or a slash (an ID, a date, "pre-launch") is kept whole: the
// browser would otherwise break it after the dash ("s-" on one line, the rest on the next).
// So is a number with its unit ("53 s"): a duration never leaves its unit on a line alone.
const JOINED = /(\S*[-/]\S*|\d+ (?:s|min|h|d)\b)/;

function keepTokens(value: ReactNode): ReactNode {
  if (typeof value !== "string" || !JOINED.test(value)) return value;
  return value.split(JOINED).map((part, i) => (i % 2 ? <span key={i} style={NOWRAP}>{part}</span> : part));
}

export function layoutColumn<T>(column: Column<T>, first: boolean): TableProps.ColumnDefinition<T> {
  const { kind = first ? "name" : "text", header, cell, hidden: _hidden, ...rest } = column;
  const rule = RULE[kind];
  const style = kind === "id" ? ID : rule.wrap ? WORDS : NOWRAP;
  return {
    minWidth: rule.minWidth,
    isRowHeader: first,
    ...rest,
    header: (
      <span className="drso-cell" style={WORDS}>
        {header}
      </span>
    ),
    cell: (item: T): ReactNode => (
      <div className="drso-cell" style={style}>
        {rule.wrap ? keepTokens(cell(item)) : cell(item)}
      </div>
    ),
  };
}

export function DataTable<T>({ name, columnDefinitions, ...props }: DataTableProps<T>) {
  const prefs = usePreferences(name, columnDefinitions);
  return (
    <Table<T>
      loadingText="Loading"
      {...props}
      wrapLines
      columnDefinitions={columnDefinitions.map((c, i) => layoutColumn(c, i === 0))}
      columnDisplay={prefs.contentDisplay}
      stickyColumns={{ first: prefs.stickyFirst }}
      preferences={
        <CollectionPreferences
          title="Preferences"
          confirmLabel="Confirm"
          cancelLabel="Cancel"
          closeAriaLabel="Close preferences"
          preferences={{ contentDisplay: prefs.contentDisplay, stickyColumns: { first: prefs.stickyFirst } }}
          onConfirm={({ detail }) => prefs.save({ contentDisplay: detail.contentDisplay, stickyFirst: detail.stickyColumns?.first ?? 1 })}
          contentDisplayPreference={{
            title: "Columns",
            description: "Choose the columns shown, and their order.",
            options: columnDefinitions.map((c, i) => ({ id: c.id, label: c.header, alwaysVisible: i === 0 })),
            liveAnnouncementDndStarted: (position, total) => `Picked up column at position ${position} of ${total}`,
            liveAnnouncementDndDiscarded: "Reordering cancelled",
            liveAnnouncementDndItemReordered: (initial, current, total) =>
              initial === current ? `Moving column back to position ${initial} of ${total}` : `Moving column to position ${current} of ${total}`,
            liveAnnouncementDndItemCommitted: (initial, final, total) =>
              initial === final ? `Column moved back to its position ${initial} of ${total}` : `Column moved from position ${initial} to ${final} of ${total}`,
            dragHandleAriaDescription: "Use Space or Enter to pick up the column, the arrow keys to move it, Space or Enter to drop it, Escape to cancel.",
            dragHandleAriaLabel: "Drag handle",
          }}
          stickyColumnsPreference={{
            firstColumns: {
              title: "Keep the first column in view",
              description: "While the table scrolls sideways.",
              options: [
                { label: "None", value: 0 },
                { label: "First column", value: 1 },
              ],
            },
          }}
        />
      }
    />
  );
}
