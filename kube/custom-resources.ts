// Writes to our custom resources: status through the status subresource and
// finalizer removal, each guarded by the resourceVersion the decision was made on.
// They go over the kept-alive connections of kube/json-client.ts: status writes are
// on the admission path, one per batch of reservations.
import type { KubeConfig } from '@kubernetes/client-node';
import { group, version } from '../ipam/model/index.js';
import { jsonClient } from './json-client.js';

export interface CustomResourceWriter {
  /** Merge-patches `status`; 409 when the object changed since `resourceVersion`. Resolves to the stored object. */
  patchStatus(plural: string, name: string, resourceVersion: string, status: Record<string, unknown>): Promise<unknown>;
  /** A live read, for the re-read after a conflict. */
  get(plural: string, name: string): Promise<unknown>;
  /** Rewrites metadata.finalizers; 409 when the object changed since `resourceVersion`. */
  setFinalizers(plural: string, name: string, resourceVersion: string, finalizers: string[]): Promise<void>;
  delete(plural: string, name: string): Promise<void>;
}

const mergePatch = 'application/merge-patch+json';

export function customResourceWriter(kc: KubeConfig): CustomResourceWriter {
  const client = jsonClient(kc);
  const path = (plural: string, name: string) => `/apis/${group}/${version}/${plural}/${encodeURIComponent(name)}`;
  return {
    patchStatus(plural, name, resourceVersion, status) {
      return client.request('PATCH', `${path(plural, name)}/status`, { metadata: { resourceVersion }, status }, mergePatch);
    },
    get(plural, name) {
      return client.request('GET', path(plural, name));
    },
    async setFinalizers(plural, name, resourceVersion, finalizers) {
      await client.request('PATCH', path(plural, name), { metadata: { resourceVersion, finalizers } }, mergePatch);
    },
    async delete(plural, name) {
      await client.request('DELETE', path(plural, name));
    },
  };
}
