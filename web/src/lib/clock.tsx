// The engine's clock, read once from the server, and a `now` that ticks every second at the
// engine's speed (60x in a demo). Every pushed transition carries the engine's time, so a
// page that follows an execution moves the clock forward with it: a clock moved by hand
// (the emulator's, in tests) stays true without asking the server again. One tick for the
// whole console, so that every running duration on a page shows the same moment.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { api } from "../api/client";
import { serverNow, type ClockSync } from "./time";

interface Clock {
  sync: ClockSync | null;
  observe: (engineTime: string) => void;
}

const ClockContext = createContext<Clock>({ sync: null, observe: () => {} });
const TickContext = createContext<number>(Date.now());

export function ClockProvider({ children }: { children: ReactNode }) {
  const [sync, setSync] = useState<ClockSync | null>(null);
  useEffect(() => {
    void api.GET("/api/v1/clock").then(({ data }) => {
      const serverMs = data ? Date.parse(data.now) : Number.NaN;
      if (data && Number.isFinite(serverMs)) {
        setSync({ serverMs, localMs: Date.now(), speed: data.speed ?? null });
      }
    });
  }, []);
  const observe = useCallback((engineTime: string) => {
    const at = Date.parse(engineTime);
    setSync((current) => {
      if (!current || !Number.isFinite(at)) return current;
      const local = Date.now();
      return at > serverNow(current, local) ? { ...current, serverMs: at, localMs: local } : current;
    });
  }, []);
  const [tick, setTick] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setTick(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <ClockContext.Provider value={{ sync, observe }}>
      <TickContext.Provider value={tick}>{children}</TickContext.Provider>
    </ClockContext.Provider>
  );
}

/** The engine's clock as the server described it: its speed says whether time is emulated. */
export function useClockSync(): ClockSync | null {
  return useContext(ClockContext).sync;
}

/** Tell the clock the engine's time of something that just happened. */
export function useObserveEngineTime(): (engineTime: string) => void {
  return useContext(ClockContext).observe;
}

/** The server's now in ms, moving with the console's one tick while `ticking`, held while not. */
export function useNow(ticking = true): number {
  const { sync } = useContext(ClockContext);
  const tick = useContext(TickContext);
  const held = useRef(tick);
  if (ticking) held.current = tick;
  return serverNow(sync, ticking ? tick : held.current);
}
