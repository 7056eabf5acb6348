// Where the API server serves a kind: its plural, read from the discovery document of its group/version rather
// than guessed from the Kind ("Policy" is "policies", and a CRD may name its plural anything).
import { isNotFound } from './api-errors.js';
import type { JsonClient } from './json-client.js';

export interface ServedResource {
  /** `/apis/<group>/<version>`, or `/api/v1` for the core group. */
  prefix: string;
  plural: string;
  namespaced: boolean;
}

interface APIResourceList {
  resources?: Array<{ name?: string; kind?: string; namespaced?: boolean }>;
}

/**
 * A discovery look-up with a per-group/version memory. A kind not found is looked up afresh next time (a CRD may
 * have been installed since); undefined means the group/version is not served or has no such kind.
 */
export function resourceLocator(client: Pick<JsonClient, 'request'>) {
  const known = new Map<string, APIResourceList>();
  return async (group: string, version: string, kind: string): Promise<ServedResource | undefined> => {
    const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    const find = (list: APIResourceList | undefined) => list?.resources?.find((r) => r.kind === kind && r.name && !r.name.includes('/'));
    let found = find(known.get(prefix));
    if (!found) {
      let list: APIResourceList;
      try {
        list = (await client.request('GET', prefix)) as APIResourceList;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      known.set(prefix, list);
      found = find(list);
    }
    return found?.name ? { prefix, plural: found.name, namespaced: found.namespaced === true } : undefined;
  };
}
