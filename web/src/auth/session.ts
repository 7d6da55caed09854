// The console's sign-in lives in an HttpOnly cookie that no script here can read; what the
// page knows is the CSRF token (a readable cookie) that every change must echo.
const CSRF_COOKIES = ["__Host-drso_csrf", "drso_csrf"];
export const CSRF_HEADER = "X-CSRF-Token";

type Listener = () => void;
const listeners = new Set<Listener>();

export function csrfToken(): string | null {
  const cookies = new Map(
    document.cookie
      .split(";")
      .map((part) => part.trim().split("=") as [string, string?])
      .map(([name, value]) => [name, decodeURIComponent(value ?? "")]),
  );
  for (const name of CSRF_COOKIES) {
    const value = cookies.get(name);
    if (value) return value;
  }
  return null;
}

export const session = {
  /** The server refused the session (ended, or a password change is due): ask again who we are. */
  changed(): void {
    listeners.forEach((l) => l());
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
