// Server-sent events over fetch (with the session cookie), resumed with Last-Event-ID after
// a drop. No polling: the server pushes every transition.
import { fetchEventSource } from "@microsoft/fetch-event-source";
import { useEffect, useRef } from "react";
import { API } from "../api/client";
import { session } from "../auth/session";

export interface LiveMessage {
  event: string;
  data: string;
  id: string;
}

class Fatal extends Error {}

/** Follow `path` while mounted; `onMessage` gets every event. */
export function useEventStream(
  path: string | null,
  onMessage: (message: LiveMessage) => void,
  onState?: (state: "open" | "retrying" | "closed") => void,
): void {
  const handler = useRef(onMessage);
  const stateHandler = useRef(onState);
  handler.current = onMessage;
  stateHandler.current = onState;

  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    void fetchEventSource(`${API}${path}`, {
      signal: abort.signal,
      credentials: "same-origin", // the session cookie
      openWhenHidden: true,
      async onopen(response) {
        if (response.ok) {
          stateHandler.current?.("open");
          return;
        }
        if (response.status === 401 || response.status === 403) session.changed();
        throw new Fatal(`stream answered ${response.status}`);
      },
      onmessage(message) {
        if (message.event === "end") {
          stateHandler.current?.("closed");
          abort.abort();
        }
        handler.current({ event: message.event, data: message.data, id: message.id });
      },
      onclose() {
        // The server closed a live stream (restart, proxy): reconnect with Last-Event-ID.
        if (abort.signal.aborted) return;
        stateHandler.current?.("retrying");
        throw new Error("stream closed");
      },
      onerror(error) {
        if (error instanceof Fatal) {
          stateHandler.current?.("closed");
          throw error; // stop
        }
        stateHandler.current?.("retrying");
        return 1000;
      },
    }).catch(() => undefined);
    return () => abort.abort();
  }, [path]);
}
