// Who is signed in, and what their roles let them do in the console.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api } from "../api/client";
import type { Me, Role } from "../api/types";
import { session } from "./session";

interface Auth {
  me: Me | null;
  loading: boolean;
  signOut: () => void;
  refresh: () => void;
}

const AuthContext = createContext<Auth>({ me: null, loading: true, signOut: () => {}, refresh: () => {} });

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const refresh = useCallback(() => {
    if (!session.token()) {
      setMe(null);
      setLoading(false);
      return;
    }
    setLoading(true);
    void api.GET("/api/v1/auth/me").then(({ data }) => {
      setMe(data ?? null);
      setLoading(false);
    });
  }, []);
  useEffect(() => {
    refresh();
    return session.subscribe(refresh);
  }, [refresh]);
  const signOut = useCallback(() => session.clear(), []);
  return <AuthContext.Provider value={{ me, loading, signOut, refresh }}>{children}</AuthContext.Provider>;
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
