// Where the API server serves a kind: its plural, read from the discovery documents rather than guessed from the
// Kind ("Policy" is "policies", and a CRD may name its plural anything). The version a pool's labels recorded may no
// longer be served (a CRD upgraded from v1alpha1 to v1beta1): the group's other versions are tried then, since an
// object keeps its UID across versions.
import { getIfFound, type JsonClient } from './json-client.js';

export interface ServedResource {
  /** `/apis/<group>/<version>`, or `/api/v1` for the core group. */
  prefix: string;
  plural: string;
  namespaced: boolean;
}

interface APIResourceList {
  resources?: Array<{ name?: string; kind?: string; namespaced?: boolean }>;
}

interface APIGroup {
  versions?: Array<{ version?: string }>;
  preferredVersion?: { version?: string };
}

/**
 * A discovery look-up with a per-group/version memory. A kind not found is looked up afresh next time (a CRD may
 * have been installed since); undefined means no served version of the group has that kind.
 */
export function resourceLocator(client: Pick<JsonClient, 'request'>) {
  const known = new Map<string, APIResourceList>();
  const get = <T>(path: string) => getIfFound<T>(client, path);
  /** The kind in one group/version: from memory when remembered there, else from a fresh discovery document. */
  const inVersion = async (prefix: string, kind: string): Promise<ServedResource | undefined> => {
    const find = (list: APIResourceList | undefined) => {
      const found = list?.resources?.find((r) => r.kind === kind && r.name && !r.name.includes('/'));
      return found?.name ? { prefix, plural: found.name, namespaced: found.namespaced === true } : undefined;
    };
    const remembered = find(known.get(prefix));
    if (remembered) return remembered;
    const list = await get<APIResourceList>(prefix);
    if (list) known.set(prefix, list);
    else known.delete(prefix);
    return find(list);
  };
  return async (group: string, version: string, kind: string): Promise<ServedResource | undefined> => {
    const prefixOf = (v: string) => (group === '' ? `/api/${v}` : `/apis/${group}/${v}`);
    const recorded = await inVersion(prefixOf(version), kind);
    if (recorded || group === '') return recorded;
    const served = await get<APIGroup>(`/apis/${group}`);
    const versions = [served?.preferredVersion?.version, ...(served?.versions ?? []).map((v) => v.version)].filter(
      (v, i, all): v is string => typeof v === 'string' && v !== version && all.indexOf(v) === i,
    );
    for (const other of versions) {
      const found = await inVersion(prefixOf(other), kind);
      if (found) return found;
    }
    return undefined;
  };
}
