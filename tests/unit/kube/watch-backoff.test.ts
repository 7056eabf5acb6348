// The retry schedule: exponential, capped, jittered, never zero.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffLimits, defaultBackoff, jitteredInterval } from '../../../kube/watch/index.js';

const limits = { initialMs: 1000, maxMs: 30_000, factor: 2 };

describe('backoffDelay', () => {
  it.each([
    [0, 500, 1000],
    [1, 1000, 2000],
    [2, 2000, 4000],
    [4, 8000, 16_000],
    [5, 15_000, 30_000],
    [50, 15_000, 30_000],
    [100_000, 15_000, 30_000],
  ])('attempt %i waits between %i and %i ms', (attempt, low, high) => {
    expect(backoffDelay(attempt, limits, () => 0)).toBe(low);
    expect(backoffDelay(attempt, limits, () => 1)).toBe(high);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('treats attempt %d as the first retry', (attempt) => {
    expect(backoffDelay(attempt, limits, () => 1)).toBe(1000);
  });

  it('stays within half and all of the capped step for any attempt and random draw', () => {
    fc.assert(
      fc.property(fc.nat(200), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const step = Math.min(limits.maxMs, limits.initialMs * 2 ** attempt);
        const delay = backoffDelay(attempt, limits, () => r);
        return delay >= Math.floor(step / 2) && delay <= step && delay > 0;
      }),
    );
  });
});

describe('backoffLimits', () => {
  it('fills in defaults and repairs nonsense', () => {
    expect(backoffLimits()).toEqual(defaultBackoff);
    expect(backoffLimits({ initialMs: 50, maxMs: 400 })).toEqual({ initialMs: 50, maxMs: 400, factor: 2 });
    expect(backoffLimits({ initialMs: -5, maxMs: 0, factor: 0.5 })).toEqual(defaultBackoff);
    expect(backoffLimits({ initialMs: 5000, maxMs: 100 })).toEqual({ initialMs: 5000, maxMs: 5000, factor: 2 });
  });
});

describe('jitteredInterval', () => {
  it('stretches by at most 10%', () => {
    expect(jitteredInterval(300_000, () => 0)).toBe(300_000);
    expect(jitteredInterval(300_000, () => 1)).toBe(330_000);
    expect(jitteredInterval(1000, () => 0.5, 0.2)).toBe(1100);
  });
});
