// A de-duplicating work queue with per-key retry backoff, as controller-runtime's:
// a key queued while it is being processed is processed again afterwards, never
// twice at once; reconciles are level-based, so a key carries no event payload.
export interface WorkQueueOptions {
  /** First retry delay; doubles per failure of the same key up to maxRetryMs. */
  baseRetryMs?: number;
  maxRetryMs?: number;
  concurrency?: number;
  onError?: (key: string, err: unknown, retryInMs: number) => void;
}

const maxTimerMs = 2 ** 31 - 1;

export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly delayed = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private running = 0;
  private stopped = false;
  private readonly base: number;
  private readonly max: number;
  private readonly concurrency: number;

  constructor(
    private readonly reconcile: (key: string) => Promise<void>,
    private readonly options: WorkQueueOptions = {},
  ) {
    this.base = options.baseRetryMs ?? 200;
    this.max = options.maxRetryMs ?? 60_000;
    this.concurrency = options.concurrency ?? 2;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.pending.add(key);
    this.pump();
  }

  /** Queues the key after `delayMs`; of several delays asked for one key, the earliest wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    // Node fires a timer of more than 2^31-1 ms at once: wait the longest it can, the reconcile asks again if need be.
    const wait = Math.min(Math.max(0, delayMs), maxTimerMs);
    const due = Date.now() + wait;
    const earlier = this.delayed.get(key);
    if (earlier && earlier.due <= due) return;
    if (earlier) clearTimeout(earlier.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, wait);
    timer.unref();
    this.delayed.set(key, { due, timer });
  }

  get depth(): number {
    return this.pending.size;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    this.pending.clear();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.pending.size > 0) {
      const key = this.pending.values().next().value as string;
      this.pending.delete(key);
      this.active.add(key);
      this.running++;
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    try {
      await this.reconcile(key);
      this.failures.delete(key);
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = Math.min(this.base * 2 ** (n - 1), this.max);
      this.options.onError?.(key, err, delay);
      if (!this.stopped && !this.timers.has(key)) {
        const timer = setTimeout(() => {
          this.timers.delete(key);
          this.add(key);
        }, delay);
        timer.unref();
        this.timers.set(key, timer);
      }
    } finally {
      this.active.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
