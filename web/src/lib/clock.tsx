// The engine's clock, read once from the server, and a `now` that ticks every second.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { api } from "../api/client";
import { serverNow, type ClockSync } from "./time";

const ClockContext = createContext<ClockSync | null>(null);

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
  return <ClockContext.Provider value={sync}>{children}</ClockContext.Provider>;
}

/** The server's now in ms, re-rendering every second while `ticking`. */
export function useNow(ticking = true): number {
  const sync = useContext(ClockContext);
  const [local, setLocal] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setLocal(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return serverNow(sync, local);
}
