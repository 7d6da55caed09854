// A listing read a page at a time: the first page when the inputs change, older pages on demand.
import { useCallback, useEffect, useState } from "react";

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export function usePaged<T>(page: (cursor: string | undefined) => Promise<Page<T>>, deps: unknown[]) {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(page, deps);
  useEffect(() => {
    let current = true;
    setItems([]);
    setLoading(true);
    load(undefined).then(
      (found) => {
        if (!current) return;
        setItems(found.items);
        setCursor(found.nextCursor ?? null);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!current) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [load]);
  const more = cursor
    ? () =>
        load(cursor).then((found) => {
          setItems((all) => [...all, ...found.items]);
          setCursor(found.nextCursor ?? null);
        }, setError)
    : null;
  return { items, loading, error, more };
}
