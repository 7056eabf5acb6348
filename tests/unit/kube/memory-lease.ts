// A Lease kept in memory with the API server's rules: create fails when it exists, a replace needs the current
// resourceVersion (409) and the Lease (404). Tests also write it as another replica would, delete it, make every
// request fail, or answer writes late.
import type { LeaseClient, LeaseRecord, StoredLease } from '../../../kube/leader/index.js';

export const apiError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });

export function memoryLease() {
  let stored: StoredLease | undefined;
  let version = 0;
  let failure: Error | undefined;
  let answerDelayMs = 0;
  const writes: LeaseRecord[] = [];
  /** A write is stored at once; its answer may come late (a slow network or API server). */
  const answer = async (written: StoredLease) => {
    if (answerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, answerDelayMs));
    return written;
  };
  const save = (record: LeaseRecord): StoredLease => {
    stored = { resourceVersion: String(++version), record: { ...record }, object: {} };
    return structuredClone(stored);
  };
  const client: LeaseClient = {
    describe: 'test/lease',
    async get() {
      if (failure) throw failure;
      return stored && structuredClone(stored);
    },
    async create(record) {
      if (failure) throw failure;
      if (stored) throw apiError(409);
      writes.push(record);
      return answer(save(record));
    },
    async replace(current, record) {
      if (failure) throw failure;
      if (!stored) throw apiError(404);
      if (current.resourceVersion !== stored.resourceVersion) throw apiError(409);
      writes.push(record);
      return answer(save(record));
    },
  };
  return {
    client,
    writes,
    record: () => stored?.record,
    /** Another writer (a replica we do not run, or a person). */
    write: (record: LeaseRecord) => save(record),
    remove: () => {
      stored = undefined;
    },
    fail: (err: Error | undefined) => {
      failure = err;
    },
    answerWritesAfter: (ms: number) => {
      answerDelayMs = ms;
    },
  };
}
