// Says so when the engine's clock is not the wall clock (a demo runs it 60x; tests move it
// by hand): without it every time on the page looks hours in the future.
import Flashbar from "@cloudscape-design/components/flashbar";
import { useClockSync, useNow } from "../lib/clock";
import { formatTime } from "../lib/time";

export function emulatedClockText(speed: number | null, nowIso: string): string {
  const pace = speed === null ? "is moved by hand" : `runs ${speed % 1 === 0 ? speed : speed.toFixed(1)}× faster than real time`;
  return `This server's DRS and engine clock ${pace}: every time and duration shown is emulated time (emulated now: ${formatTime(nowIso)}).`;
}

export function EmulatedClock() {
  const sync = useClockSync();
  const emulated = sync !== null && sync.speed !== 1;
  const now = useNow(emulated);
  if (!emulated) return null;
  return (
    <div data-testid="emulated-clock">
      <Flashbar
        items={[
          {
            id: "emulated-clock",
            type: "info",
            header: sync.speed === null ? "Emulated clock" : `Emulated clock, ${sync.speed}×`,
            content: emulatedClockText(sync.speed, new Date(now).toISOString()),
          },
        ]}
      />
    </div>
  );
}
