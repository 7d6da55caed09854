// The engine's clock, read from the server, and a `now` that ticks every second. Pages
// that follow an execution read it again as transitions arrive, so a clock moved by hand
// (the emulator's, in tests) or one running faster than real time (a demo) stays true.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api } from "../api/client";
import { serverNow, type ClockSync } from "./time";

interface Clock {
  sync: ClockSync | null;
  resync: () => void;
}

const ClockContext = createContext<Clock>({ sync: null, resync: () => {} });

export function ClockProvider({ children }: { children: ReactNode }) {
  const [sync, setSync] = useState<ClockSync | null>(null);
  const resync = useCallback(() => {
    void api.GET("/api/v1/clock").then(({ data }) => {
      const serverMs = data ? Date.parse(data.now) : Number.NaN;
      if (data && Number.isFinite(serverMs)) {
        setSync({ serverMs, localMs: Date.now(), speed: data.speed ?? null });
      }
    });
  }, []);
  useEffect(resync, [resync]);
  return <ClockContext.Provider value={{ sync, resync }}>{children}</ClockContext.Provider>;
}

export function useResync(): () => void {
  return useContext(ClockContext).resync;
}

/** The server's now in ms, re-rendering every second while `ticking`. */
export function useNow(ticking = true): number {
  const { sync } = useContext(ClockContext);
  const [local, setLocal] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setLocal(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return serverNow(sync, local);
}
