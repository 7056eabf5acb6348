// What the LIST+WATCH loop does next, decided without any I/O: how to treat one watch line, and where to go after
// a watch ends. Kept pure so every branch is unit-tested without an API server.
import type { KubeObject, ListReason, WatchOutcome } from './types.js';
import { checkObject, parseWatchLine, resourceVersionOf, statusOf } from './wire.js';

export type WatchStep<T> =
  | { kind: 'change'; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T; resourceVersion: string }
  | { kind: 'bookmark'; resourceVersion: string }
  /** The line ends this watch (an ERROR event, or a line we cannot apply). */
  | { kind: 'end'; outcome: WatchOutcome };

/** What a watch run looked like, to tell a normal server-side timeout from a server that drops us at once. */
export interface WatchRun {
  durationMs: number;
  /** Events applied, bookmarks included. */
  events: number;
}

export interface NextStep {
  action: 'relist' | 'reconnect';
  /** Only for 'relist'. */
  reason?: ListReason;
  /** Whether this counts towards the backoff; a healthy watch that simply ended reconnects at once. */
  failure: boolean;
}

/** A watch that ends cleanly after at least this long (or after any event) was healthy. */
export const healthyWatchMs = 10_000;

const gone = 410;

export function interpretWatchLine<T extends KubeObject>(line: string): WatchStep<T> {
  const parsed = parseWatchLine(line);
  if ('problem' in parsed) return { kind: 'end', outcome: { kind: 'malformed-event', message: parsed.problem } };
  const { type, object } = parsed.event;
  switch (type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED': {
      const problem = checkObject(object);
      const resourceVersion = resourceVersionOf(object);
      if (problem || !resourceVersion) {
        return { kind: 'end', outcome: { kind: 'malformed-event', message: `${type} event: the object ${problem ?? 'is invalid'}` } };
      }
      // Only name and resourceVersion were checked; the rest is trusted to be the T the cache was built for.
      return { kind: 'change', type, object: object as T, resourceVersion };
    }
    case 'BOOKMARK': {
      // A bookmark object has only kind, apiVersion and metadata.resourceVersion: it moves the resume point.
      const resourceVersion = resourceVersionOf(object);
      if (!resourceVersion) return { kind: 'end', outcome: { kind: 'malformed-event', message: 'BOOKMARK event without resourceVersion' } };
      return { kind: 'bookmark', resourceVersion };
    }
    case 'ERROR': {
      const status = statusOf(object);
      return {
        kind: 'end',
        outcome: {
          kind: 'error-event',
          ...(status.code !== undefined && { code: status.code }),
          ...(status.reason && { reason: status.reason }),
          message: status.message ?? 'ERROR event without a message',
        },
      };
    }
    default:
      return { kind: 'end', outcome: { kind: 'malformed-event', message: `unknown watch event type "${type}"` } };
  }
}

export function decideAfterWatch(outcome: WatchOutcome, run: WatchRun): NextStep {
  switch (outcome.kind) {
    case 'closed':
      // The API server ends every watch after its timeoutSeconds: that is the normal life of a watch. A stream that
      // closes at once with nothing in it is not, and must not turn into a tight reconnect loop.
      return { action: 'reconnect', failure: !(run.events > 0 || run.durationMs >= healthyWatchMs) };
    case 'http-error':
      // 410 Gone: our resourceVersion was compacted away; only a fresh LIST can tell what we missed.
      return outcome.status === gone ? { action: 'relist', reason: 'expired', failure: true } : { action: 'reconnect', failure: true };
    case 'error-event':
      // The API server's watch cache reports an expired resourceVersion as an ERROR event with code 410 inside an
      // HTTP 200 stream (reason Expired or Gone); the reason alone is accepted in case a server leaves out the code.
      return outcome.code === gone || (outcome.code === undefined && (outcome.reason === 'Expired' || outcome.reason === 'Gone'))
        ? { action: 'relist', reason: 'expired', failure: true }
        : { action: 'reconnect', failure: true };
    case 'malformed-event':
      // Resuming from the last good resourceVersion would replay the same line forever; a LIST gets the truth.
      return { action: 'relist', reason: 'malformed-event', failure: true };
    case 'network-error':
    case 'silent':
      return { action: 'reconnect', failure: true };
  }
}

/** The Error an outcome stands for, for the 'error' event; undefined when the watch just ended or went silent. */
export function outcomeError(outcome: WatchOutcome, path: string): Error | undefined {
  switch (outcome.kind) {
    case 'http-error':
      return new Error(`watch ${path}: HTTP ${outcome.status}${outcome.reason ? ` ${outcome.reason}` : ''}: ${outcome.message}`);
    case 'error-event':
      return new Error(`watch ${path}: ERROR event${outcome.code !== undefined ? ` ${outcome.code}` : ''}: ${outcome.message}`);
    case 'network-error':
      return new Error(`watch ${path}: ${outcome.message}`);
    case 'malformed-event':
      return new Error(`watch ${path}: unusable event: ${outcome.message}`);
    case 'closed':
    case 'silent':
      return undefined;
  }
}
