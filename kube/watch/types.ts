// The shapes shared by the pure decision functions and the LIST+WATCH loop.

/**
 * The part of a Kubernetes object the cache itself relies on. The cache is generic over the rest: objects are kept
 * as the plain JSON the API server sent (never round-tripped through client-node's model classes, which drop
 * unknown fields and turn timestamps into Dates), so T should describe JSON, e.g. client-node's V1ConfigMap
 * interface shape or our own CRD types.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
}

/**
 * A change to the cache. The type describes what happened to the cache, not the raw watch verb: a MODIFIED for an
 * object the cache did not hold is 'added', and a duplicate (same resourceVersion) is no event at all.
 */
export type ObjectEvent<T> =
  | { type: 'added'; key: string; object: T }
  | { type: 'modified'; key: string; object: T; old: T }
  | { type: 'deleted'; key: string; object: T };

/** Why a full LIST runs. */
export type ListReason = 'initial' | 'expired' | 'malformed-event' | 'periodic' | 'requested';

/** How one watch request ended (the loop's interruptions for stop/relist are not outcomes). */
export type WatchOutcome =
  /** The server ended the response normally, e.g. when the request's timeoutSeconds ran out. */
  | { kind: 'closed' }
  /** The server answered the watch request with a status other than 200. */
  | { kind: 'http-error'; status: number; reason?: string; message: string }
  /** An ERROR event inside an HTTP 200 stream; 410 arrives this way when the resourceVersion is too old. */
  | { kind: 'error-event'; code?: number; reason?: string; message: string }
  /** Connection refused, reset, TLS failure, a stream cut in the middle. */
  | { kind: 'network-error'; message: string }
  /** A line that is not a watch event we understand: we cannot know what we missed. */
  | { kind: 'malformed-event'; message: string }
  /** No event and no bookmark for silenceMs: probably a half-open connection. */
  | { kind: 'silent'; silentMs: number };

/** Events for logs and metrics; they carry no object and need no action from a consumer. */
export type LifecycleEvent =
  /** A full LIST starts. */
  | { type: 'relist'; reason: ListReason }
  /** A full LIST succeeded and replaced the cache; its differences were emitted just before this event. */
  | { type: 'listed'; reason: ListReason; resourceVersion: string; count: number; pages: number }
  /** The API server accepted a watch (HTTP 200). */
  | { type: 'watch-started'; resourceVersion: string }
  /** A watch ended; the loop will `next` after `delayMs`. */
  | { type: 'watch-ended'; outcome: WatchOutcome; next: 'relist' | 'reconnect'; delayMs: number }
  /** A failed LIST or watch (the loop retries on its own), or a listener that threw. */
  | { type: 'error'; phase: 'list' | 'watch' | 'listener'; error: Error };

export type CacheEvent<T> = ObjectEvent<T> | LifecycleEvent;

/** A listener's return value is ignored; a rejected promise or a throw is reported as an 'error' event. */
export type CacheListener<T> = (event: CacheEvent<T>) => unknown;

export interface BackoffLimits {
  /** Delay scale of the first retry (the actual delay is jittered between half and all of it). */
  initialMs: number;
  /** Cap of the exponential growth. */
  maxMs: number;
  factor: number;
}

export interface ResourceCacheOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per LIST page (`limit`); the API server hands out `continue` tokens for the rest. Default 500. */
  pageSize?: number;
  /** Full relist period, jittered by up to +10% so replicas do not relist in step. Default 5 minutes. */
  relistIntervalMs?: number;
  /**
   * A watch with no event and no bookmark for this long is restarted. The API server sends a bookmark about every
   * minute to watches that ask for them, so the default (3 minutes) only fires on a dead connection.
   */
  silenceTimeoutMs?: number;
  /** Retry schedule after failures. Default 1 s doubling up to 30 s. */
  backoff?: Partial<BackoffLimits>;
  /** A LIST request with no data for this long is abandoned and retried. Default 60 s. */
  listTimeoutMs?: number;
  /**
   * Server-side lifetime of one watch request (`timeoutSeconds`). Default: random between 5 and 10 minutes, as
   * client-go's reflector does, so a fleet of watches does not reconnect at once.
   */
  watchTimeoutSeconds?: number;
  /**
   * Trims each object before it is stored, e.g. a Pod to the few fields a controller reads: a cache of every Pod of
   * a large cluster would otherwise hold megabytes of specs nobody looks at. It must keep `metadata.name`,
   * `namespace` and `resourceVersion`, which the cache itself uses.
   */
  transform?: (object: KubeObject) => KubeObject;
}
