import { describe, expect, it } from 'vitest';
import { difference, histogramMean, histogramOf, histogramQuantile, parseMetrics, total } from '../../../bench/prometheus-text.js';

const before = parseMetrics(`# HELP admission_ipam_admission_duration_seconds Time to answer.
# TYPE admission_ipam_admission_duration_seconds histogram
admission_ipam_admission_duration_seconds_bucket{le="0.01",webhook="mutate-pod"} 2
admission_ipam_admission_duration_seconds_bucket{le="0.1",webhook="mutate-pod"} 4
admission_ipam_admission_duration_seconds_bucket{le="+Inf",webhook="mutate-pod"} 4
admission_ipam_admission_duration_seconds_sum{webhook="mutate-pod"} 0.1
admission_ipam_admission_duration_seconds_count{webhook="mutate-pod"} 4
admission_ipam_pool_status_batches_total{outcome="written"} 3
`);

const after = parseMetrics(`admission_ipam_admission_duration_seconds_bucket{le="0.01",webhook="mutate-pod"} 2
admission_ipam_admission_duration_seconds_bucket{le="0.1",webhook="mutate-pod"} 14
admission_ipam_admission_duration_seconds_bucket{le="+Inf",webhook="mutate-pod"} 24
admission_ipam_admission_duration_seconds_sum{webhook="mutate-pod"} 3.1
admission_ipam_admission_duration_seconds_count{webhook="mutate-pod"} 24
admission_ipam_pool_status_batches_total{outcome="written"} 10
admission_ipam_pool_status_batches_total{outcome="failed"} 1
apiserver_request_duration_seconds_count{resource="pods",subresource="",verb="POST"} 5 1700000000000
apiserver_request_duration_seconds_count{resource="pods",subresource="binding",verb="POST"} 7
go_info{version="go1.24 \\"x\\"\\n"} 1
`);

describe('Prometheus text', () => {
  it('reads samples with labels, escapes, +Inf bounds and timestamps, skipping comments', () => {
    expect(before).toHaveLength(6);
    expect(after.find((s) => s.name === 'go_info')?.labels).toEqual({ version: 'go1.24 "x"\n' });
    expect(total(after, 'apiserver_request_duration_seconds_count', { verb: 'POST', resource: 'pods' })).toBe(12);
    // An absent label matches the empty value, as in PromQL.
    expect(total(after, 'apiserver_request_duration_seconds_count', { subresource: '' })).toBe(5);
  });

  it('subtracts an earlier scrape; a series new since then counts from zero', () => {
    const grown = difference(after, before);
    expect(total(grown, 'admission_ipam_pool_status_batches_total', { outcome: 'written' })).toBe(7);
    expect(total(grown, 'admission_ipam_pool_status_batches_total', { outcome: 'failed' })).toBe(1);
    const h = histogramOf(grown, 'admission_ipam_admission_duration_seconds', { webhook: 'mutate-pod' });
    expect(h.buckets).toEqual([
      { le: 0.01, count: 0 },
      { le: 0.1, count: 10 },
      { le: Number.POSITIVE_INFINITY, count: 20 },
    ]);
    expect(histogramMean(h)).toBeCloseTo(0.15);
  });

  it.each([
    { q: 0.25, expected: 0.01 + (0.1 - 0.01) * 0.5 },
    { q: 0.5, expected: 0.1 },
    // In the +Inf bucket: the largest finite bound, as histogram_quantile answers.
    { q: 0.99, expected: 0.1 },
  ])('estimates the $q quantile by interpolating inside its bucket', ({ q, expected }) => {
    const h = histogramOf(difference(after, before), 'admission_ipam_admission_duration_seconds');
    expect(histogramQuantile(q, h)).toBeCloseTo(expected);
  });

  it('has no quantile and no mean without observations', () => {
    const empty = histogramOf([], 'admission_ipam_admission_duration_seconds');
    expect(histogramQuantile(0.5, empty)).toBeUndefined();
    expect(histogramMean(empty)).toBeUndefined();
  });
});
