// WorkQueue.addAfter: a key queued after a delay (the releaser's recheckAt: a TTL or a deletion deadline), the earliest
// of several delays winning; stop() forgets every delayed key.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from '../../../scaler/work-queue.js';

/** A queue recording when (fake ms since the test began) each key was reconciled. */
function recordingQueue(options: { concurrency?: number; holdMs?: number } = {}) {
  const start = Date.now();
  const runs: Array<{ key: string; at: number }> = [];
  let running = 0;
  let maxRunning = 0;
  const queue = new WorkQueue(
    async (key) => {
      runs.push({ key, at: Date.now() - start });
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (options.holdMs) await new Promise((resolve) => setTimeout(resolve, options.holdMs));
      running--;
    },
    { concurrency: options.concurrency ?? 2 },
  );
  return { queue, runs, maxRunning: () => maxRunning, times: (key: string) => runs.filter((r) => r.key === key).map((r) => r.at) };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue.addAfter', () => {
  it('reconciles the key once, when the delay has passed and not before', async () => {
    const { queue, times } = recordingQueue();
    queue.addAfter('pool-a', 1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(times('pool-a')).toEqual([]);
    expect(queue.depth).toBe(0); // a delayed key is not pending yet
    await vi.advanceTimersByTimeAsync(1);
    expect(times('pool-a')).toEqual([1000]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(times('pool-a')).toEqual([1000]);
  });

  it('keeps the earlier delay when a later one is asked for', async () => {
    const { queue, times } = recordingQueue();
    queue.addAfter('pool-a', 1000);
    queue.addAfter('pool-a', 5000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times('pool-a')).toEqual([1000]);
  });

  it('replaces a later delay by an earlier one, and the later one does not fire any more', async () => {
    const { queue, times } = recordingQueue();
    queue.addAfter('pool-a', 5000);
    queue.addAfter('pool-a', 1000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times('pool-a')).toEqual([1000]);
  });

  it('compares due times, not delays: a shorter delay asked later may still be due later', async () => {
    const { queue, times } = recordingQueue();
    queue.addAfter('pool-a', 5000); // due at 5000
    await vi.advanceTimersByTimeAsync(3000);
    queue.addAfter('pool-a', 3000); // due at 6000: the earlier one stands
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times('pool-a')).toEqual([5000]);
  });

  it('moves the due time earlier when asked at a later moment for an earlier time', async () => {
    const { queue, times } = recordingQueue();
    queue.addAfter('pool-a', 5000); // due at 5000
    await vi.advanceTimersByTimeAsync(3000);
    queue.addAfter('pool-a', 1000); // due at 4000
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times('pool-a')).toEqual([4000]);
  });

  it('takes a new delay once the previous one has fired', async () => {
    const { queue, times } = recordingQueue();
    queue.addAfter('pool-a', 1000);
    await vi.advanceTimersByTimeAsync(1000);
    queue.addAfter('pool-a', 2000);
    await vi.advanceTimersByTimeAsync(5000);
    expect(times('pool-a')).toEqual([1000, 3000]);
  });

  it.each([0, -5000])('treats a delay of %i as "at the next timer turn", never synchronously', async (delay) => {
    const { queue, times } = recordingQueue();
    queue.addAfter('pool-a', delay);
    expect(times('pool-a')).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(times('pool-a')).toEqual([0]);
  });

  it('a negative delay replaces a later one', async () => {
    const { queue, times } = recordingQueue();
    queue.addAfter('pool-a', 5000);
    queue.addAfter('pool-a', -1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times('pool-a')).toEqual([0]);
  });

  it('keeps the delays of different keys apart', async () => {
    const { queue, times } = recordingQueue();
    queue.addAfter('pool-a', 3000);
    queue.addAfter('pool-b', 1000);
    queue.addAfter('pool-a', 2000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times('pool-a')).toEqual([2000]);
    expect(times('pool-b')).toEqual([1000]);
  });

  it('is not cancelled by an immediate add: the key is reconciled now and again at its time', async () => {
    const { queue, times } = recordingQueue();
    queue.addAfter('pool-a', 1000);
    queue.add('pool-a');
    await vi.advanceTimersByTimeAsync(5000);
    expect(times('pool-a')).toEqual([0, 1000]);
  });

  it('a delay falling due while the key is being reconciled runs it again afterwards, never twice at once', async () => {
    const { queue, times, maxRunning } = recordingQueue({ holdMs: 500 });
    queue.add('pool-a'); // busy 0..500
    queue.addAfter('pool-a', 200);
    await vi.advanceTimersByTimeAsync(5000);
    expect(times('pool-a')).toEqual([0, 500]);
    expect(maxRunning()).toBe(1);
  });

  it('a delay falling due while the key already waits in the queue adds nothing', async () => {
    const { queue, times } = recordingQueue({ concurrency: 1, holdMs: 1000 });
    queue.add('busy'); // occupies the only worker 0..1000
    queue.add('pool-a'); // pending
    queue.addAfter('pool-a', 500); // due while pool-a is still pending
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times('pool-a')).toEqual([1000]);
  });

  it('stop() forgets every delayed key', async () => {
    const { queue, runs } = recordingQueue();
    queue.addAfter('pool-a', 1000);
    queue.addAfter('pool-b', 0);
    expect(vi.getTimerCount()).toBe(2);
    queue.stop();
    expect(vi.getTimerCount()).toBe(0); // cleared, not left to fire into a stopped queue
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toEqual([]);
  });

  it('ignores addAfter once stopped', async () => {
    const { queue, runs } = recordingQueue();
    queue.stop();
    queue.addAfter('pool-a', 10);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([]);
  });

  it('holds one timer per key, whatever the number of calls', () => {
    const { queue } = recordingQueue();
    for (let i = 10; i > 0; i--) queue.addAfter('pool-a', i * 1000);
    for (let i = 0; i < 10; i++) queue.addAfter('pool-b', i * 1000);
    expect(vi.getTimerCount()).toBe(2);
    queue.stop();
  });
});
