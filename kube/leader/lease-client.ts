// Reads and writes of one Lease, as plain JSON. client-node's generic object API (CustomObjectsApi) serves any
// group's namespaced resources, so Leases go through it untyped: the typed CoordinationV1Api would hand back
// MicroTime fields as strings typed as Dates and would drop fields it does not model before a replace.
import { CustomObjectsApi, type KubeConfig, Observable, type RequestContext, type ResponseContext } from '@kubernetes/client-node';
import { isNotFound } from '../api-errors.js';
import { type LeaseRecord, newLeaseObject, parseLease, replacedLeaseObject, type StoredLease } from './lease-record.js';

export interface LeaseClient {
  /** `namespace/name`, for logs and errors. */
  readonly describe: string;
  /** undefined when the Lease does not exist. */
  get(): Promise<StoredLease | undefined>;
  /** 409 when it exists already. */
  create(record: LeaseRecord): Promise<StoredLease>;
  /** 409 when the Lease changed since `current` was read, 404 when it is gone. */
  replace(current: StoredLease, record: LeaseRecord): Promise<StoredLease>;
}

const group = 'coordination.k8s.io';
const version = 'v1';
const plural = 'leases';

/** Aborts each request after `ms`, so a request hanging on a dead connection cannot hold the election loop. */
function timeoutOptions(ms: number) {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(AbortSignal.timeout(ms));
          return new Observable(Promise.resolve(context));
        },
        post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append' as const,
  };
}

export function leaseClient(kc: KubeConfig, namespace: string, name: string, requestTimeoutMs: number): LeaseClient {
  const api = kc.makeApiClient(CustomObjectsApi);
  const describe = `${namespace}/${name}`;
  const what = `Lease ${describe}`;
  const options = timeoutOptions(requestTimeoutMs);
  const target = { group, version, namespace, plural };
  return {
    describe,
    async get() {
      try {
        return parseLease(await api.getNamespacedCustomObject({ ...target, name }, options), what);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async create(record) {
      return parseLease(
        await api.createNamespacedCustomObject({ ...target, body: newLeaseObject(namespace, name, record) }, options),
        what,
      );
    },
    async replace(current, record) {
      const body = replacedLeaseObject(current, record);
      return parseLease(await api.replaceNamespacedCustomObject({ ...target, name, body }, options), what);
    },
  };
}
