// Who is signed in, and what their roles let them do in the console. The session itself is
// an HttpOnly cookie: the console learns who it stands for from /auth/me.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api } from "../api/client";
import type { Me, Problem, Role, SessionOut } from "../api/types";
import { csrfToken, session } from "./session";

interface Auth {
  me: Me | null;
  /** Signed in with a one-time password that must be changed before anything else. */
  mustChangePassword: string | null;
  loading: boolean;
  signOut: () => Promise<void>;
  refresh: () => void;
  /** A sign-in just answered: ask who we are, unless it already said a password is due. */
  signedIn: (session: SessionOut) => void;
}

const AuthContext = createContext<Auth>({
  me: null,
  mustChangePassword: null,
  loading: true,
  signOut: async () => {},
  refresh: () => {},
  signedIn: () => {},
});

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [mustChangePassword, setMustChange] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const refresh = useCallback(() => {
    // Without the session's readable CSRF cookie there is no session to ask about.
    if (!csrfToken()) {
      setMe(null);
      setMustChange(null);
      setLoading(false);
      return;
    }
    setLoading(true);
    void api.GET("/api/v1/auth/me").then(({ data, error, response }) => {
      const problem = (error ?? {}) as Partial<Problem> & { username?: string };
      setMe(data ?? null);
      setMustChange(response.status === 403 && problem.code === "PASSWORD_CHANGE_REQUIRED" ? (problem.username ?? "") : null);
      setLoading(false);
    });
  }, []);
  useEffect(() => {
    refresh();
    return session.subscribe(refresh);
  }, [refresh]);
  const signedIn = useCallback(
    (answer: SessionOut) => {
      if (answer.passwordChangeRequired) {
        setMe(null);
        setMustChange(answer.username);
        setLoading(false);
      } else refresh();
    },
    [refresh],
  );
  const signOut = useCallback(async () => {
    await api.DELETE("/api/v1/auth/session");
    setMe(null);
    setMustChange(null);
  }, []);
  return <AuthContext.Provider value={{ me, mustChangePassword, loading, signOut, refresh, signedIn }}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  return useContext(AuthContext);
}

export type Permission = Me["permissions"][number];

/** What the server says these roles may do (the console only hides what would be refused). */
export function can(me: Me | null, permission: Permission): boolean {
  return !!me && me.permissions.includes(permission);
}

export function actsAs(me: Me | null, role: Role): boolean {
  return !!me && me.actsAs.includes(role);
}
