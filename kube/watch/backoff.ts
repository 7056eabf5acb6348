// Retry timing for the LIST+WATCH loop. Pure: the random source is passed in so tests can pin it.
import type { BackoffLimits } from './types.js';

export const defaultBackoff: BackoffLimits = { initialMs: 1000, maxMs: 30_000, factor: 2 };

/**
 * Delay before retry number `attempt` (0 for the first retry after a failure): exponential, capped at maxMs, with
 * "equal jitter" — half of the step is fixed and half random. The fixed half keeps a broken API server from being
 * hammered (full jitter can draw ~0 ms again and again); the random half spreads replicas that failed together.
 */
export function backoffDelay(attempt: number, limits: BackoffLimits = defaultBackoff, random: () => number = Math.random): number {
  const steps = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  const step = Math.min(limits.maxMs, limits.initialMs * limits.factor ** steps);
  return Math.round(step / 2 + (random() * step) / 2);
}

/** An interval stretched by up to `spread` (10% by default), so periodic work of many replicas drifts apart. */
export function jitteredInterval(intervalMs: number, random: () => number = Math.random, spread = 0.1): number {
  return Math.round(intervalMs * (1 + spread * random()));
}

/** Resolved retry limits: every field set, and nonsense (negative, zero growth) replaced by the defaults. */
export function backoffLimits(partial: Partial<BackoffLimits> = {}): BackoffLimits {
  const initialMs = positiveOr(partial.initialMs, defaultBackoff.initialMs);
  const maxMs = Math.max(initialMs, positiveOr(partial.maxMs, defaultBackoff.maxMs));
  const factor = partial.factor !== undefined && partial.factor >= 1 ? partial.factor : defaultBackoff.factor;
  return { initialMs, maxMs, factor };
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
