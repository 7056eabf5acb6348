// Prometheus metrics: one Registry per process, our metrics under one prefix, snake_case,
// `_total` counters and `_seconds` histograms (never Summary: quantiles cannot be aggregated
// across webhook replicas). Labels are bounded: webhook names, operations and results only —
// never Pod names, UIDs or IPs.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export const METRIC_PREFIX = 'admission_ipam_';

export type AdmissionResult = 'allowed' | 'denied' | 'patched' | 'error';

export interface AdmissionMetrics {
  registry: Registry;
  /** `admission_ipam_admission_requests_total{webhook, operation, result}` */
  requests: Counter<'webhook' | 'operation' | 'result'>;
  /** `admission_ipam_admission_duration_seconds{webhook}` */
  duration: Histogram<'webhook'>;
  /** `admission_ipam_admission_invalid_requests_total{webhook}`: bodies answered 400/413/415 (no review to count). */
  invalidRequests: Counter<'webhook'>;
}

/**
 * A Registry with the standard process and Node.js metrics. Those keep their conventional
 * unprefixed names (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`) so stock
 * dashboards and alerts work; everything of ours is prefixed with `admission_ipam_`.
 */
export function createRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** The process's registry: other parts (allocator, scaler, watchers) register their metrics here. */
export const registry: Registry = createRegistry();

// Admission is answered from caches within the webhook timeout (2–5 s, at most 30 s).
const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Registers the admission metrics on `register` (once per registry: names must be unique there). */
export function createAdmissionMetrics(register: Registry = registry): AdmissionMetrics {
  return {
    registry: register,
    requests: new Counter({
      name: `${METRIC_PREFIX}admission_requests_total`,
      help: 'Admission reviews answered, by webhook, operation and result (allowed, denied, patched, error).',
      labelNames: ['webhook', 'operation', 'result'] as const,
      registers: [register],
    }),
    duration: new Histogram({
      name: `${METRIC_PREFIX}admission_duration_seconds`,
      help: 'Time to answer an admission review, from the parsed body to the response, by webhook.',
      labelNames: ['webhook'] as const,
      buckets: durationBuckets,
      registers: [register],
    }),
    invalidRequests: new Counter({
      name: `${METRIC_PREFIX}admission_invalid_requests_total`,
      help: 'Requests to a webhook path that carried no usable AdmissionReview (bad JSON, malformed review, too large).',
      labelNames: ['webhook'] as const,
      registers: [register],
    }),
  };
}

export interface PoolWriteMetrics {
  /** One per batch: written, unchanged (every request idempotent) or failed. */
  batches: Counter<'outcome'>;
  /** Operations (reservations, releases) carried by one status write: the group-commit gain. */
  batchSize: Histogram;
  /** Attempts a batch needed; more than 1 means conflicts with another writer. */
  attempts: Histogram;
}

export function createPoolWriteMetrics(register: Registry = registry): PoolWriteMetrics {
  return {
    batches: new Counter({
      name: `${METRIC_PREFIX}pool_status_batches_total`,
      help: 'Batches of pool status operations, by outcome (written, unchanged, failed).',
      labelNames: ['outcome'],
      registers: [register],
    }),
    batchSize: new Histogram({
      name: `${METRIC_PREFIX}pool_status_batch_operations`,
      help: 'Reservations and releases carried by one pool status batch.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [register],
    }),
    attempts: new Histogram({
      name: `${METRIC_PREFIX}pool_status_batch_attempts`,
      help: 'Attempts one pool status batch needed (conflicts with other writers add attempts).',
      buckets: [1, 2, 3, 4, 5],
      registers: [register],
    }),
  };
}

export interface ReleaseMetrics {
  /** `admission_ipam_pool_records_settled_total{reason}`: records released (by reason) or bound (`bound`). */
  records: Counter<'reason'>;
}

export function createReleaseMetrics(register: Registry = registry): ReleaseMetrics {
  return {
    records: new Counter({
      name: `${METRIC_PREFIX}pool_records_settled_total`,
      help: 'Pool records the releaser changed: released, by reason (pod-gone, pod-finished, expired, ...), or bound to their Pod (bound).',
      labelNames: ['reason'],
      registers: [register],
    }),
  };
}

export interface LeaderMetrics {
  /** `admission_ipam_leader`: 1 while this replica runs the leader-elected controllers, else 0. */
  leader: Gauge;
}

/**
 * Summed over replicas it should be 1: 0 for longer than a lease duration means no replica runs the controllers,
 * 2 means the Lease is not doing its job. With --leader-elect=false every replica reports 1.
 */
export function createLeaderMetrics(register: Registry = registry): LeaderMetrics {
  const leader = new Gauge({
    name: `${METRIC_PREFIX}leader`,
    help: "Whether this replica holds the controllers' Lease and runs them (1) or not (0).",
    registers: [register],
  });
  leader.set(0);
  return { leader };
}
