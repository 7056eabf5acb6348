// A LIST-then-WATCH cache of one collection: the webhook and the controllers read from it instead of sending GETs on
// the hot path. The loop never gives up and never throws: every failure becomes an 'error' event, a backoff, and
// another try. What to do after each event or failure is decided by the pure functions in decide.ts; this file
// only does the I/O and the timers.
import type { KubeConfig } from '@kubernetes/client-node';
import { backoffDelay, jitteredInterval } from './backoff.js';
import { decideAfterWatch, interpretWatchLine, outcomeError, type WatchRun } from './decide.js';
import { openStream, type StreamHandle } from './http.js';
import { listAll } from './list.js';
import { type Settings, settingsOf } from './settings.js';
import { applyWatchEvent, diffSnapshot, storeOf } from './store.js';
import type { CacheEvent, CacheListener, KubeObject, ListReason, ResourceCacheOptions, WatchOutcome } from './types.js';

type Interruption = 'stop' | 'relist';
type WatchEnd = { kind: 'ended'; outcome: WatchOutcome; run: WatchRun } | { kind: 'interrupted' };

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export class ResourceCache<T extends KubeObject> {
  private store = new Map<string, T>();
  private readonly listeners = new Set<CacheListener<T>>();
  private readonly settings: Settings;
  private readonly trim: (object: T) => T;
  /** Where the next watch resumes: the last LIST's, then the last event's or bookmark's. */
  private resourceVersion: string | undefined;
  private running = false;
  private loopActive = false;
  private loop: Promise<void> = Promise.resolve();
  /** Cancels whatever the loop waits on: the LIST in flight, the watch, or a backoff sleep. */
  private interrupt: ((why: Interruption) => void) | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  private pendingRelist: ListReason | undefined;
  private hasSynced = false;
  private readonly firstList: Promise<void>;
  private readonly resolveFirstList: () => void;
  private readonly rejectFirstList: (err: Error) => void;

  /**
   * @param path the collection's API path, e.g. `/api/v1/namespaces/<ns>/configmaps` or
   *   `/apis/spiderpool.spidernet.io/v2beta1/spiderippools`.
   */
  constructor(
    private readonly kc: KubeConfig,
    readonly path: string,
    options: ResourceCacheOptions = {},
  ) {
    if (!path.startsWith('/')) throw new Error(`ResourceCache: path "${path}" must be an absolute API path such as /api/v1/pods`);
    this.settings = settingsOf(options);
    this.trim = (options.transform as ((object: T) => T) | undefined) ?? ((object) => object);
    let resolve: () => void = () => {};
    let reject: (err: Error) => void = () => {};
    this.firstList = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be waiting on synced() when stop() rejects it; that must not be an unhandled rejection.
    this.firstList.catch(() => {});
    this.resolveFirstList = resolve;
    this.rejectFirstList = reject;
  }

  /** Starts the LIST+WATCH loop in the background; a second call is a no-op. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // A stop() followed by start() inside a listener: the old loop has not noticed yet and simply carries on.
    if (!this.loopActive) this.loop = this.run();
  }

  /** Ends the loop and resolves once no request, socket or timer of this cache is left. */
  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      clearTimeout(this.relistTimer);
      this.relistTimer = undefined;
      this.interrupt?.('stop');
    }
    if (!this.hasSynced) this.rejectFirstList(new Error(`cache of ${this.path} was stopped before its first LIST`));
    await this.loop;
  }

  /** Resolves after the first successful LIST (its 'added' events have been delivered); rejects if stopped first. */
  synced(): Promise<void> {
    return this.firstList;
  }

  isSynced(): boolean {
    return this.hasSynced;
  }

  /** The cached object for `namespace/name` (or `name` when cluster-scoped). Treat it as read-only. */
  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  /** Subscribes to changes and lifecycle events; returns the function that unsubscribes. */
  on(listener: CacheListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces the cache with a fresh LIST now, emitting the differences (what the periodic relist does). */
  relist(): void {
    if (!this.running) return;
    this.pendingRelist = 'requested';
    this.interrupt?.('relist');
  }

  private async run(): Promise<void> {
    this.loopActive = true;
    let failures = 0;
    // After a stop()/start() the cache may be stale by any amount: list again.
    let listReason: ListReason | undefined = this.hasSynced ? 'requested' : 'initial';
    while (this.running) {
      try {
        if (this.pendingRelist) {
          listReason ??= this.pendingRelist;
          this.pendingRelist = undefined;
        }
        if (listReason) {
          if (!(await this.listOnce(listReason))) {
            failures += 1;
            await this.sleep(backoffDelay(failures - 1, this.settings.backoff));
            continue;
          }
          listReason = undefined;
        }
        const end = await this.watchOnce();
        if (end.kind === 'interrupted') continue;
        const next = decideAfterWatch(end.outcome, end.run);
        // A watch that delivered events proves the path works, so its failure starts the backoff afresh.
        failures = next.failure ? (end.run.events > 0 ? 1 : failures + 1) : 0;
        const delayMs = failures === 0 ? 0 : backoffDelay(failures - 1, this.settings.backoff);
        if (next.action === 'relist') listReason = next.reason ?? 'expired';
        const error = outcomeError(end.outcome, this.path);
        if (error) this.emit({ type: 'error', phase: 'watch', error });
        this.emit({ type: 'watch-ended', outcome: end.outcome, next: next.action, delayMs });
        if (delayMs > 0) await this.sleep(delayMs);
      } catch (err) {
        // Nothing above should throw; if a bug does, the cache must still not die silently.
        failures += 1;
        listReason ??= 'requested';
        this.emit({ type: 'error', phase: 'watch', error: toError(err) });
        await this.sleep(backoffDelay(failures - 1, this.settings.backoff));
      }
    }
    this.loopActive = false;
  }

  private async listOnce(reason: ListReason): Promise<boolean> {
    clearTimeout(this.relistTimer);
    this.relistTimer = undefined;
    const abort = new AbortController();
    this.interrupt = (why) => {
      if (why === 'stop') abort.abort();
    };
    try {
      this.emit({ type: 'relist', reason });
      const { items, resourceVersion, pages } = await listAll<T>(this.kc, this.path, {
        labelSelector: this.settings.labelSelector,
        fieldSelector: this.settings.fieldSelector,
        pageSize: this.settings.pageSize,
        idleTimeoutMs: this.settings.listTimeoutMs,
        signal: abort.signal,
      });
      if (!this.running) return false;
      const fresh = storeOf(items.map(this.trim));
      const changes = diffSnapshot(this.store, fresh);
      this.store = fresh;
      this.resourceVersion = resourceVersion;
      if (!this.hasSynced) {
        // Before the events: a listener that reacts to them (even by calling stop()) sees a synced cache. Whoever
        // awaits synced() still runs after these events, promise callbacks being asynchronous.
        this.hasSynced = true;
        this.resolveFirstList();
      }
      for (const change of changes) this.emit(change);
      this.emit({ type: 'listed', reason, resourceVersion, count: fresh.size, pages });
      // A listener may have called stop(): arming a timer now would keep the process alive.
      if (this.running) {
        this.relistTimer = setTimeout(() => {
          this.relistTimer = undefined;
          this.pendingRelist ??= 'periodic';
          this.interrupt?.('relist');
        }, jitteredInterval(this.settings.relistIntervalMs));
      }
      return true;
    } catch (err) {
      if (this.running) this.emit({ type: 'error', phase: 'list', error: toError(err) });
      return false;
    } finally {
      this.interrupt = undefined;
    }
  }

  private watchOnce(): Promise<WatchEnd> {
    // A listener may have called stop() while the LIST's events were delivered.
    if (!this.running) return Promise.resolve({ kind: 'interrupted' });
    const resourceVersion = this.resourceVersion ?? '';
    const { silenceTimeoutMs, labelSelector, fieldSelector } = this.settings;
    // client-go's reflector asks for 5-10 minutes at random, so watches of many replicas do not expire together.
    const timeoutSeconds = this.settings.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    return new Promise<WatchEnd>((resolve) => {
      const startedAt = Date.now();
      let events = 0;
      let settled = false;
      let stream: StreamHandle | undefined;
      const run = (): WatchRun => ({ durationMs: Date.now() - startedAt, events });
      const finish = (end: WatchEnd) => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        this.interrupt = undefined;
        stream?.close();
        resolve(end);
      };
      // Re-armed by every line, bookmarks included. It also covers connecting, so a request whose response headers
      // never come ends here too.
      const watchdog = setTimeout(
        () => finish({ kind: 'ended', outcome: { kind: 'silent', silentMs: silenceTimeoutMs }, run: run() }),
        silenceTimeoutMs,
      );
      this.interrupt = () => finish({ kind: 'interrupted' });
      const query = { watch: true, resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector, fieldSelector };
      stream = openStream(this.kc, this.path, query, {
        onOpen: () => {
          watchdog.refresh();
          this.emit({ type: 'watch-started', resourceVersion });
        },
        onLine: (line) => {
          if (settled) return;
          watchdog.refresh();
          const step = interpretWatchLine<T>(line);
          if (step.kind === 'end') {
            finish({ kind: 'ended', outcome: step.outcome, run: run() });
            return;
          }
          events += 1;
          this.resourceVersion = step.resourceVersion;
          if (step.kind === 'change') {
            const change = applyWatchEvent(this.store, step.type, this.trim(step.object));
            if (change) this.emit(change);
          }
        },
        onEnd: (outcome) => finish({ kind: 'ended', outcome, run: run() }),
      });
      if (settled) stream.close();
    });
  }

  /** A backoff pause; stop() cuts it short, a relist request waits for it (it is picked up right after). */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.running) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = (why) => {
        if (why === 'stop') done();
      };
    });
  }

  /** Listeners run synchronously in order; one that throws or rejects is reported and cannot stop the loop. */
  private emit(event: CacheEvent<T>): void {
    for (const listener of [...this.listeners]) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((err: unknown) => this.listenerFailed(err, event));
      } catch (err) {
        this.listenerFailed(err, event);
      }
    }
  }

  private listenerFailed(err: unknown, event: CacheEvent<T>): void {
    // A listener that throws on the 'error' event itself would otherwise recurse forever.
    if (event.type === 'error') return;
    this.emit({ type: 'error', phase: 'listener', error: toError(err) });
  }
}
