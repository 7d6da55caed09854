// Every protection group, read page by page (plans pick from all of them).
import { api, unwrap } from "../api/client";
import type { ProtectionGroup } from "../api/types";

export async function allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | null }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const found = await page(cursor);
    out.push(...found.items);
    cursor = found.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

export function listGroups(): Promise<ProtectionGroup[]> {
  return allPages((cursor) => unwrap(api.GET("/api/v1/protection-groups", { params: { query: { limit: 100, cursor } } })));
}
