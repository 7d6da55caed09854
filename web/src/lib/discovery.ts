// Discovery pages for one account/region, appended as the user asks for more.
import { useCallback, useEffect, useState } from "react";
import { api, unwrap } from "../api/client";
import type { DiscoveredServer } from "../api/types";

export function useRegions() {
  const [regions, setRegions] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    unwrap(api.GET("/api/v1/drs/regions")).then(
      (found) => setRegions(found.regions.filter((r) => r.initialized).map((r) => r.region)),
      setError,
    );
  }, []);
  return { regions, error };
}

export function useDiscovery(region: string | null, editingGroupId?: string) {
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
            params: { query: { region, limit: 1000, cursor: after ?? undefined, editingGroupId } },
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
    [region, editingGroupId],
  );

  useEffect(() => {
    setServers([]);
    void load(null, []);
  }, [load]);

  return { servers, loading, error, more: cursor ? () => void load(cursor, servers) : null };
}
