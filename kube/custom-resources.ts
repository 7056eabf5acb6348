// Writes to our custom resources: status through the status subresource and
// finalizer removal, each guarded by the resourceVersion the decision was made on.
import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { group, version } from '../ipam/model/index.js';

export interface CustomResourceWriter {
  /** Merge-patches `status`; 409 when the object changed since `resourceVersion`. Resolves to the stored object. */
  patchStatus(plural: string, name: string, resourceVersion: string, status: Record<string, unknown>): Promise<unknown>;
  /** A live read, for the re-read after a conflict. */
  get(plural: string, name: string): Promise<unknown>;
  /** Rewrites metadata.finalizers; 409 when the object changed since `resourceVersion`. */
  setFinalizers(plural: string, name: string, resourceVersion: string, finalizers: string[]): Promise<void>;
  delete(plural: string, name: string): Promise<void>;
}

export function customResourceWriter(kc: KubeConfig): CustomResourceWriter {
  const api = kc.makeApiClient(CustomObjectsApi);
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return {
    patchStatus(plural, name, resourceVersion, status) {
      return api.patchClusterCustomObjectStatus({ group, version, plural, name, body: { metadata: { resourceVersion }, status } }, merge);
    },
    get(plural, name) {
      return api.getClusterCustomObject({ group, version, plural, name });
    },
    async setFinalizers(plural, name, resourceVersion, finalizers) {
      await api.patchClusterCustomObject({ group, version, plural, name, body: { metadata: { resourceVersion, finalizers } } }, merge);
    },
    async delete(plural, name) {
      await api.deleteClusterCustomObject({ group, version, plural, name });
    },
  };
}
