// A full LIST of a collection, page by page. The pages of one LIST are a consistent snapshot (the API server ties
// the `continue` token to the first page's resourceVersion), so the last page's resourceVersion is where the
// watch starts. An expired token (410 after etcd compaction during a very long LIST) fails the whole LIST, and
// the loop retries it from the first page.
import type { KubeConfig } from '@kubernetes/client-node';
import { getJson } from './http.js';
import type { KubeObject } from './types.js';
import { parseListPage } from './wire.js';

export interface ListOptions {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  pageSize: number;
  idleTimeoutMs: number;
  signal: AbortSignal;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  pages: number;
}

export async function listAll<T extends KubeObject>(kc: KubeConfig, path: string, opts: ListOptions): Promise<ListResult<T>> {
  const items: T[] = [];
  let continueToken: string | undefined;
  let pages = 0;
  for (;;) {
    // No resourceVersion parameter: the default is a consistent read, where "0" would accept a stale cache and
    // ignore `limit`.
    const raw = await getJson(
      kc,
      path,
      { limit: opts.pageSize, continue: continueToken, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
      { idleTimeoutMs: opts.idleTimeoutMs, signal: opts.signal },
    );
    pages += 1;
    const page = parseListPage<T>(raw, `LIST ${path} (page ${pages})`);
    items.push(...page.items);
    if (!page.continueToken) return { items, resourceVersion: page.resourceVersion, pages };
    continueToken = page.continueToken;
  }
}
