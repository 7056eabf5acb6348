// Reading Prometheus' text exposition format, as served by admission-ipam's /metrics and the API server's, well
// enough for a benchmark: counters and histograms, the difference between two scrapes, and quantiles estimated from
// histogram buckets the way PromQL's histogram_quantile does.

export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface Histogram {
  /** Cumulative counts by upper bound, ascending, ending with +Inf. */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Every sample of a scrape; comments, blank lines and lines that are not samples are skipped. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = sampleLine.exec(line.trim());
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(labelPair)) labels[pair[1] ?? ''] = unescapeLabel(pair[2] ?? '');
    samples.push({ name: m[1] ?? '', labels, value: parseValue(m[3] ?? '') });
  }
  return samples;
}

const sampleKey = (s: Sample) =>
  `${s.name}{${Object.entries(s.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

/** What counters and histograms grew by between two scrapes (a series absent before counts from zero). */
export function difference(after: readonly Sample[], before: readonly Sample[]): Sample[] {
  const earlier = new Map(before.map((s) => [sampleKey(s), s.value]));
  return after.map((s) => ({ ...s, value: s.value - (earlier.get(sampleKey(s)) ?? 0) }));
}

// As in PromQL, a label that is absent matches the empty value.
const matches = (s: Sample, name: string, labels: Readonly<Record<string, string>>) =>
  s.name === name && Object.entries(labels).every(([k, v]) => (s.labels[k] ?? '') === v);

/** The sum over every series of `name` whose labels include `labels`. */
export function total(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  return samples.filter((s) => matches(s, name, labels)).reduce((sum, s) => sum + s.value, 0);
}

/** The histogram `base` (its _bucket, _sum and _count series), summed over the series whose labels include `labels`. */
export function histogramOf(samples: readonly Sample[], base: string, labels: Readonly<Record<string, string>> = {}): Histogram {
  const byBound = new Map<number, number>();
  for (const s of samples) {
    if (!matches(s, `${base}_bucket`, labels) || s.labels.le === undefined) continue;
    const le = parseValue(s.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + s.value);
  }
  return {
    buckets: [...byBound].sort(([a], [b]) => a - b).map(([le, count]) => ({ le, count })),
    sum: total(samples, `${base}_sum`, labels),
    count: total(samples, `${base}_count`, labels),
  };
}

/**
 * The q-quantile, interpolated linearly inside the bucket that holds it (histogram_quantile's estimate); the largest
 * finite bound when it falls in the +Inf bucket; undefined for an empty histogram.
 */
export function histogramQuantile(q: number, histogram: Histogram): number | undefined {
  const { buckets } = histogram;
  const count = buckets.at(-1)?.count ?? 0;
  if (count <= 0) return undefined;
  const rank = q * count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Number.POSITIVE_INFINITY) return lowerBound;
      if (bucket.count === lowerCount) return bucket.le;
      return lowerBound + ((bucket.le - lowerBound) * (rank - lowerCount)) / (bucket.count - lowerCount);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

/** The mean of the observations, or undefined when there were none. */
export function histogramMean(histogram: Histogram): number | undefined {
  return histogram.count > 0 ? histogram.sum / histogram.count : undefined;
}
