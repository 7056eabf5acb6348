// Reserving addresses in one pool: how the status text grows per record, and what group commit (one status write
// for a batch of reservations) saves over one write per reservation. Every reservation re-reads and re-writes the
// whole status.allocatedIPs, as the webhook must (the pool object is the lock), so one-at-a-time costs O(N^2).
//
//   npx tsx bench/allocation.ts [--full] [--sizes 1000,5000,20000]
//
// --full runs batch-of-1 to the end for every size; by default sizes above 5,000 are sampled at 20 fill levels.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { defaultMaxAllocatedIPsBytes, type ReservationRequest, reserveInPool } from '../ipam/allocate/index.js';
import {
  bind,
  type PoolRecord,
  parseRecords,
  recordJSON,
  reservationToken,
  type SpiderIPPool,
  serializeRecords,
} from '../ipam/model/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const args = process.argv.slice(2);
const full = args.includes('--full');
const sizesArg = args[args.indexOf('--sizes') + 1];
const sizes = args.includes('--sizes') && sizesArg ? sizesArg.split(',').map(Number) : [1000, 5000, 20000];
const sampleAbove = 5000;
const now = new Date('2026-01-01T00:00:00Z');
// The byte budget is what stops a pool; here it is lifted to measure the algorithm past it.
const unbounded = { maxAllocatedIPsBytes: Number.POSITIVE_INFINITY };

const uuid = (i: number, salt = 0): string => {
  const hex = (i * 2654435761 + salt).toString(16).padStart(12, '0').slice(-12);
  return `7c9f${hex.slice(0, 4)}-25c2-41d0-b332-${hex}`;
};

function emptyPool(family: 4 | 6): SpiderIPPool {
  const spec =
    family === 4
      ? { ipVersion: 4, subnet: '10.0.0.0/16', ips: ['10.0.0.1-10.0.255.254'] }
      : { ipVersion: 6, subnet: 'fd00:0:0:1::/64', ips: ['fd00:0:0:1::1-fd00:0:0:1:ffff:ffff:ffff:fffe'] };
  return { metadata: { name: `bench-v${family}` }, spec, status: { allocatedIPs: null } };
}

/** Admission of generateName Pods: keyed by token, no name yet. */
const request = (family: 4 | 6, i: number): ReservationRequest => ({
  id: `r${i}`,
  family,
  key: { token: reservationToken(uuid(i)), pod: 'default/' },
});

interface Run {
  ms: number;
  peakHeapMiB: number;
  pool: SpiderIPPool;
}

/** Reserves N addresses in batches of `batch`; each batch is one read-plan-write of the status. */
function run(family: 4 | 6, n: number, batch: number): Run {
  const requests = Array.from({ length: n }, (_, i) => request(family, i));
  const pool = emptyPool(family);
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const start = performance.now();
  for (let i = 0; i < n; i += batch) {
    const out = reserveInPool(pool, requests.slice(i, i + batch), undefined, now, unbounded);
    pool.status = { allocatedIPs: out.allocatedIPs, allocatedIPCount: out.allocatedIPCount };
    if ((i / batch) % 10 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  const ms = performance.now() - start;
  return { ms, peakHeapMiB: (peak - base) / 2 ** 20, pool };
}

/**
 * Batch-of-1 at large N, estimated: at 20 fill levels the cost of 10 single reservations is timed, and the total is
 * the sum of (mean cost at that level × N/20). The fill between levels is done in batches of 50, untimed.
 */
function sampledSingles(family: 4 | 6, n: number): Run {
  const levels = 20;
  const reps = 10;
  const pool = emptyPool(family);
  let next = 0;
  let estimate = 0;
  for (let level = 0; level < levels; level++) {
    const start = performance.now();
    for (let r = 0; r < reps; r++) {
      const out = reserveInPool(pool, [request(family, next++)], undefined, now, unbounded);
      pool.status = { allocatedIPs: out.allocatedIPs };
    }
    estimate += ((performance.now() - start) / reps) * (n / levels);
    const target = Math.round(((level + 1) * n) / levels);
    while (next < target) {
      const batch = Array.from({ length: Math.min(50, target - next) }, () => request(family, next++));
      pool.status = { allocatedIPs: reserveInPool(pool, batch, undefined, now, unbounded).allocatedIPs };
    }
  }
  return { ms: estimate, peakHeapMiB: Number.NaN, pool };
}

/** The steady state: every pending record bound to a ReplicaSet-style Pod name and a UID, as the scaler leaves it. */
function boundText(pool: SpiderIPPool): string {
  const parsed = parseRecords(pool.status?.allocatedIPs);
  if (!parsed.ok) throw new Error(parsed.reason);
  let i = 0;
  const bound = new Map<string, PoolRecord>();
  for (const [ip, record] of parsed.value)
    bound.set(ip, bind(record, `default/web-7c9f8d6b5-${(i % 1e5).toString(36).padStart(5, 'x')}`, uuid(i++, 7)));
  return serializeRecords(bound) ?? '';
}

const stored = (text: string): number => JSON.stringify(text).length; // as etcd keeps it: a JSON string inside JSON
const fmt = (n: number, digits = 0) => (Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits }));
const row = (cells: Array<string | number>, widths: number[]) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 10) : String(c).padStart(widths[i] ?? 10))).join('  ');

console.log('Record format (status.allocatedIPs)');
const examples: Array<[string, string, PoolRecord]> = [
  ['pending, generateName Pod', '10.0.12.34', { pod: 'default/', podUid: '', token: reservationToken(uuid(1)), at: 1767225600 }],
  ['pending, StatefulSet Pod', '10.0.12.34', { pod: 'default/web-0', podUid: '', at: 1767225600 }],
  ['bound (Spiderpool shape)', '10.0.12.34', { pod: 'default/web-7c9f8d6b5-x2x4q', podUid: uuid(1, 7) }],
];
for (const [label, ip, record] of examples) {
  const entry = `"${ip}":${recordJSON(record)},`;
  console.log(
    `  ${label.padEnd(26)} ${String(entry.length).padStart(3)} B text, ${String(stored(entry) - 2).padStart(3)} B stored  ${entry}`,
  );
}

const widths = [22, 10, 12, 14, 10, 12, 12, 12, 10];
const header = [
  'pool / N / batch',
  'total ms',
  'ns/reserve',
  'peak heap MiB',
  'text KiB',
  'B/rec text',
  'B/rec stored',
  'bound B/rec',
  'speed-up',
];
const tables: Array<[4 | 6, number[]]> = [
  [4, sizes],
  [6, sizes],
];
for (const [family, ns] of tables) {
  console.log(`\nIPv${family} pool ${family === 4 ? '10.0.0.0/16 (65,534 IPs)' : 'fd00:0:0:1::/64 (2^64 IPs)'}`);
  console.log(row(header, widths));
  for (const n of ns) {
    const fifty = run(family, n, 50);
    const one = n > sampleAbove && !full ? sampledSingles(family, n) : run(family, n, 1);
    const text = fifty.pool.status?.allocatedIPs ?? '';
    const bound = boundText(fifty.pool);
    for (const [batch, r] of [
      [50, fifty],
      [1, one],
    ] as const) {
      const label = `${fmt(n)} / ${batch}${batch === 1 && n > sampleAbove && !full ? ' (est.)' : ''}`;
      const perRecord = [text.length / n, (stored(text) - 2) / n, (stored(bound) - 2) / n].map((v) => fmt(v, 1));
      const speedup = batch === 50 ? `${fmt(one.ms / fifty.ms, 1)}×` : '';
      console.log(
        row([label, fmt(r.ms), fmt((r.ms * 1e6) / n), fmt(r.peakHeapMiB, 1), fmt(text.length / 1024), ...perRecord, speedup], widths),
      );
    }
  }
}

const bound = examples[2]?.[2] as PoolRecord;
const perBound = stored(`"10.0.12.34":${recordJSON(bound)},`) - 2;
console.log(
  `\nDefault budget: ${fmt(defaultMaxAllocatedIPsBytes)} stored bytes of status.allocatedIPs per pool ⇒ about ${fmt(
    Math.floor(defaultMaxAllocatedIPsBytes / perBound),
  )} bound records like the one above, or ${fmt(Math.floor(defaultMaxAllocatedIPsBytes / 154))} reservations of nameless Pods (each budgeted at its largest bound size, 154 B).`,
);
