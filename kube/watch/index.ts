// LIST+WATCH caches: the informer layer the webhook and the controllers read from.
export { backoffDelay, backoffLimits, defaultBackoff, jitteredInterval } from './backoff.js';
export { ResourceCache } from './cache.js';
export {
  decideAfterWatch,
  healthyWatchMs,
  interpretWatchLine,
  type NextStep,
  outcomeError,
  type WatchRun,
  type WatchStep,
} from './decide.js';
export { ApiError } from './http.js';
export { applyWatchEvent, diffSnapshot, objectKey, storeOf } from './store.js';
export type {
  BackoffLimits,
  CacheEvent,
  CacheListener,
  KubeObject,
  LifecycleEvent,
  ListReason,
  ObjectEvent,
  ResourceCacheOptions,
  WatchOutcome,
} from './types.js';
export { isRecord, parseListPage, parseWatchLine, statusOf } from './wire.js';
