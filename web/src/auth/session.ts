// The signed-in token, kept for this browser tab's origin until it expires.
const KEY = "drso.session";

interface Stored {
  token: string;
  expiresAt: number; // epoch ms
}

type Listener = () => void;
const listeners = new Set<Listener>();

function read(): Stored | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const stored = JSON.parse(raw) as Stored;
    if (typeof stored.token !== "string" || !(stored.expiresAt > Date.now())) return null;
    return stored;
  } catch {
    return null;
  }
}

export const session = {
  token(): string | null {
    return read()?.token ?? null;
  },
  save(token: string, expiresInSeconds: number): void {
    localStorage.setItem(KEY, JSON.stringify({ token, expiresAt: Date.now() + expiresInSeconds * 1000 }));
    listeners.forEach((l) => l());
  },
  clear(): void {
    localStorage.removeItem(KEY);
    listeners.forEach((l) => l());
  },
  expire(): void {
    this.clear();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

/** A JWT's `exp` as seconds from now (Cognito's hosted UI hands the token over bare). */
export function secondsLeft(jwt: string): number {
  try {
    const payload = JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as {
      exp?: number;
    };
    return payload.exp ? Math.max(0, payload.exp - Date.now() / 1000) : 0;
  } catch {
    return 0;
  }
}
