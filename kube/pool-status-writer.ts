// Group commit for pool status: every reservation is a status write guarded by
// resourceVersion, and concurrent requests for one pool in this process share one
// write. While a pool's write is in flight, new requests queue and go together in
// the next batch. A conflict (another replica wrote first) means re-read and
// re-plan, a bounded number of times with jittered backoff.
import { setTimeout as sleep } from 'node:timers/promises';
import type { SpiderIPPool } from '../ipam/model/index.js';
import { apiErrorMessage, isConflict } from './api-errors.js';

export interface StatusPlan<Result> {
  /** The new status fields to write, or undefined when nothing changes (e.g. every request was idempotent). */
  status?: Record<string, unknown>;
  /** One result per request, in request order. */
  results: Result[];
}

export interface PoolStatusWriterDependencies<Request, Result> {
  /** The pool as the cache has it. */
  cached(name: string): SpiderIPPool | undefined;
  /** A live read, after a conflict. */
  fetch(name: string): Promise<SpiderIPPool>;
  /** The guarded status write; resolves to the stored pool. */
  write(name: string, resourceVersion: string, status: Record<string, unknown>): Promise<SpiderIPPool>;
  plan(pool: SpiderIPPool, requests: Request[]): StatusPlan<Result>;
  maxAttempts?: number;
  /** First backoff after a conflict; grows ×1.5 with ±10 % jitter (Spiderpool's schedule). */
  backoffMs?: number;
  random?: () => number;
  onBatch?: (event: { pool: string; size: number; attempts: number; outcome: 'written' | 'unchanged' | 'failed' }) => void;
}

interface Pending<Request, Result> {
  request: Request;
  resolve: (result: Result) => void;
  reject: (err: Error) => void;
}

interface PoolQueue<Request, Result> {
  waiting: Pending<Request, Result>[];
  busy: boolean;
  /** The pool as our last write left it, and the version that write replaced (to tell a stale cache). */
  written?: { pool: SpiderIPPool; replaced: string };
}

export class PoolStatusWriter<Request, Result> {
  private readonly queues = new Map<string, PoolQueue<Request, Result>>();

  constructor(private readonly deps: PoolStatusWriterDependencies<Request, Result>) {}

  submit(poolName: string, request: Request): Promise<Result> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(poolName);
      if (!queue) {
        queue = { waiting: [], busy: false };
        this.queues.set(poolName, queue);
      }
      queue.waiting.push({ request, resolve, reject });
      // Start on the next turn, so requests arriving in this turn join the batch.
      if (!queue.busy) setImmediate(() => void this.drain(poolName));
    });
  }

  /** The freshest view we have: our own last write while the cache has not caught up with it. */
  private current(poolName: string, queue: PoolQueue<Request, Result>): SpiderIPPool | undefined {
    const cached = this.deps.cached(poolName);
    const written = queue.written;
    if (written && (!cached || cached.metadata.resourceVersion === written.replaced)) return written.pool;
    return cached;
  }

  private async drain(poolName: string): Promise<void> {
    const queue = this.queues.get(poolName);
    if (!queue || queue.busy || queue.waiting.length === 0) return;
    queue.busy = true;
    const batch = queue.waiting.splice(0);
    try {
      await this.commit(poolName, queue, batch);
    } finally {
      queue.busy = false;
      // The queue (and what it knows of our last write) stays: one small entry per pool.
      if (queue.waiting.length > 0) setImmediate(() => void this.drain(poolName));
    }
  }

  private async commit(poolName: string, queue: PoolQueue<Request, Result>, batch: Pending<Request, Result>[]): Promise<void> {
    const maxAttempts = this.deps.maxAttempts ?? 5;
    const random = this.deps.random ?? Math.random;
    let delay = this.deps.backoffMs ?? 10;
    let pool = this.current(poolName, queue);
    let lastError = '';
    let conflicts = 0;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        pool ??= await this.deps.fetch(poolName);
        const plan = this.deps.plan(
          pool,
          batch.map((p) => p.request),
        );
        if (plan.status) {
          const replaced = pool.metadata.resourceVersion ?? '';
          const stored = await this.deps.write(poolName, replaced, plan.status);
          queue.written = { pool: stored, replaced };
        }
        batch.forEach((p, i) => {
          p.resolve(plan.results[i] as Result);
        });
        this.deps.onBatch?.({ pool: poolName, size: batch.length, attempts: attempt, outcome: plan.status ? 'written' : 'unchanged' });
        return;
      } catch (err) {
        lastError = apiErrorMessage(err);
        if (!isConflict(err)) break;
        conflicts++;
        pool = undefined; // re-read and re-plan
        await sleep(delay * (0.9 + 0.2 * random()));
        delay *= 1.5;
      }
    }
    this.deps.onBatch?.({ pool: poolName, size: batch.length, attempts: maxAttempts, outcome: 'failed' });
    const why = conflicts >= maxAttempts ? `exhaust all retries: ${conflicts} conflicting writes in a row` : lastError;
    const error = new Error(`could not write the status of SpiderIPPool "${poolName}": ${why}`);
    for (const p of batch) p.reject(error);
  }
}
