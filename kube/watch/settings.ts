// ResourceCacheOptions with their defaults filled in.
import { backoffLimits } from './backoff.js';
import type { BackoffLimits, ResourceCacheOptions } from './types.js';

export interface Settings {
  labelSelector: string | undefined;
  fieldSelector: string | undefined;
  pageSize: number;
  relistIntervalMs: number;
  silenceTimeoutMs: number;
  backoff: BackoffLimits;
  listTimeoutMs: number;
  watchTimeoutSeconds: number | undefined;
}

export function settingsOf(options: ResourceCacheOptions): Settings {
  const positive = (value: number | undefined, fallback: number) => (value !== undefined && value > 0 ? value : fallback);
  return {
    labelSelector: options.labelSelector || undefined,
    fieldSelector: options.fieldSelector || undefined,
    pageSize: Math.floor(positive(options.pageSize, 500)),
    relistIntervalMs: positive(options.relistIntervalMs, 5 * 60_000),
    silenceTimeoutMs: positive(options.silenceTimeoutMs, 3 * 60_000),
    backoff: backoffLimits(options.backoff),
    listTimeoutMs: positive(options.listTimeoutMs, 60_000),
    watchTimeoutSeconds:
      options.watchTimeoutSeconds !== undefined && options.watchTimeoutSeconds > 0 ? options.watchTimeoutSeconds : undefined,
  };
}
