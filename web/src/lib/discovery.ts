// Discovery pages for one account/region, appended as the user asks for more.
import { useCallback, useEffect, useState } from "react";
import { api, unwrap } from "../api/client";
import type { DiscoveredServer } from "../api/types";

/** The accounts DRS is reached in; the deployment's own first. */
export function useAccounts() {
  const [accounts, setAccounts] = useState<string[] | null>(null);
  useEffect(() => {
    unwrap(api.GET("/api/v1/drs/accounts")).then(
      (found) => setAccounts(found.accounts),
      () => setAccounts([]),
    );
  }, []);
  return accounts;
}

export function useRegions(accountId?: string | null) {
  const [regions, setRegions] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setRegions(null);
    unwrap(api.GET("/api/v1/drs/regions", { params: { query: { accountId: accountId ?? undefined } } })).then(
      (found) => setRegions(found.regions.filter((r) => r.initialized).map((r) => r.region)),
      setError,
    );
  }, [accountId]);
  return { regions, error };
}

export function useDiscovery(region: string | null, editingGroupId?: string, accountId?: string | null) {
  const [servers, setServers] = useState<DiscoveredServer[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (after: string | null, keep: DiscoveredServer[]) => {
      if (!region) return;
      setLoading(true);
      try {
        const page = await unwrap(
          api.GET("/api/v1/drs/source-servers", {
            params: { query: { region, accountId: accountId ?? undefined, limit: 1000, cursor: after ?? undefined, editingGroupId } },
          }),
        );
        setServers([...keep, ...page.items]);
        setCursor(page.nextCursor);
        setError(null);
      } catch (failure) {
        setError(failure);
      } finally {
        setLoading(false);
      }
    },
    [region, editingGroupId, accountId],
  );

  useEffect(() => {
    setServers([]);
    void load(null, []);
  }, [load]);

  return { servers, loading, error, more: cursor ? () => void load(cursor, servers) : null };
}
