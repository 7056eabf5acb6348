// Node requirements of pools and their merge into a Pod's required node affinity (preface point b):
// terms ORed, requirements inside a term ANDed, the Pod's own terms kept, idempotent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IPPoolSpec, SpiderIPPool } from '../../../../ipam/model/index.js';
import {
  type Affinity,
  mergeRequiredNodeAffinity,
  type NodeSelector,
  type NodeSelectorTerm,
  nodeRequirementOf,
  pinnedNodeName,
} from '../../../../ipam/select/node-affinity.js';

const pool = (spec: Partial<IPPoolSpec> = {}): SpiderIPPool => ({
  metadata: { name: 'p' },
  spec: { ipVersion: 4, subnet: '10.0.0.0/24', ...spec },
});
const name = (n: string) => ({ key: 'metadata.name', operator: 'In', values: [n] });
const label = (k: string, v: string) => ({ key: k, operator: 'In', values: [v] });
const required = (terms: NodeSelectorTerm[], rest: Affinity = {}): Affinity => ({
  ...rest,
  nodeAffinity: { ...rest.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
});
const termsOf = (a: Affinity | undefined) => a?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
const merged = (existing: Affinity | undefined, reqs: NodeSelector[]): Affinity | undefined => {
  const r = mergeRequiredNodeAffinity(existing, reqs);
  if (!r.ok) throw new Error(r.reason);
  return r.affinity;
};

describe('nodeRequirementOf', () => {
  it.each<[string, Partial<IPPoolSpec>, NodeSelector | undefined]>([
    ['no restriction', {}, undefined],
    ['empty nodeName list', { nodeName: [] }, undefined],
    ['one node', { nodeName: ['worker1'] }, { nodeSelectorTerms: [{ matchFields: [name('worker1')] }] }],
    // The API server allows one value per matchFields requirement, so a list becomes ORed terms.
    [
      'several nodes, duplicates once',
      { nodeName: ['a', 'b', 'a'] },
      { nodeSelectorTerms: [{ matchFields: [name('a')] }, { matchFields: [name('b')] }] },
    ],
    [
      'nodeAffinity: matchLabels (sorted) become In, expressions are kept',
      {
        nodeAffinity: {
          matchLabels: { zone: 'b', role: 'worker' },
          matchExpressions: [
            { key: 'gpu', operator: 'Exists' },
            { key: 'rack', operator: 'NotIn', values: ['r1', 'r2'] },
          ],
        },
      },
      {
        nodeSelectorTerms: [
          {
            matchExpressions: [
              label('role', 'worker'),
              label('zone', 'b'),
              { key: 'gpu', operator: 'Exists' },
              { key: 'rack', operator: 'NotIn', values: ['r1', 'r2'] },
            ],
          },
        ],
      },
    ],
    ['empty nodeAffinity allows every node: no term (an empty term would allow none)', { nodeAffinity: {} }, undefined],
    [
      'nodeName wins over nodeAffinity',
      { nodeName: ['a'], nodeAffinity: { matchLabels: { zone: 'b' } } },
      { nodeSelectorTerms: [{ matchFields: [name('a')] }] },
    ],
  ])('%s', (_n, spec, expected) => {
    expect(nodeRequirementOf(pool(spec))).toEqual(expected);
  });
});

const zoneB: NodeSelector = { nodeSelectorTerms: [{ matchExpressions: [label('zone', 'b')] }] };
const nodesAB: NodeSelector = { nodeSelectorTerms: [{ matchFields: [name('a')] }, { matchFields: [name('b')] }] };
const nodesBC: NodeSelector = { nodeSelectorTerms: [{ matchFields: [name('b')] }, { matchFields: [name('c')] }] };

describe('mergeRequiredNodeAffinity', () => {
  it('returns the Pod affinity untouched when there is nothing to add', () => {
    const existing = required([{ matchExpressions: [label('x', '1')] }]);
    expect(mergeRequiredNodeAffinity(existing, [])).toEqual({ ok: true, affinity: existing });
    expect(mergeRequiredNodeAffinity(undefined, [])).toEqual({ ok: true, affinity: undefined });
  });

  it('makes one term when the Pod has no required node affinity', () => {
    expect(merged(undefined, [zoneB])).toEqual(required([{ matchExpressions: [label('zone', 'b')] }]));
    expect(termsOf(merged(undefined, [nodesAB]))).toEqual(nodesAB.nodeSelectorTerms);
  });

  it('ANDs the requirement into every existing term, keeping their order and their own requirements', () => {
    const existing = required([
      { matchExpressions: [label('disk', 'ssd')] },
      { matchExpressions: [label('disk', 'nvme')], matchFields: [name('x')] },
    ]);
    expect(termsOf(merged(existing, [zoneB]))).toEqual([
      { matchExpressions: [label('disk', 'ssd'), label('zone', 'b')] },
      { matchExpressions: [label('disk', 'nvme'), label('zone', 'b')], matchFields: [name('x')] },
    ]);
  });

  it('spells "term AND (a OR b)" as "(term AND a) OR (term AND b)", in place', () => {
    const existing = required([{ matchExpressions: [label('disk', 'ssd')] }, { matchExpressions: [label('disk', 'hdd')] }]);
    expect(termsOf(merged(existing, [nodesAB]))).toEqual([
      { matchExpressions: [label('disk', 'ssd')], matchFields: [name('a')] },
      { matchExpressions: [label('disk', 'ssd')], matchFields: [name('b')] },
      { matchExpressions: [label('disk', 'hdd')], matchFields: [name('a')] },
      { matchExpressions: [label('disk', 'hdd')], matchFields: [name('b')] },
    ]);
  });

  it('keeps the rest of the affinity (preferred terms, pod (anti-)affinity, unknown fields)', () => {
    const preferred = [{ weight: 1, preference: { matchExpressions: [label('x', 'y')] } }];
    const existing = {
      podAntiAffinity: { marker: 1 },
      nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred },
      extra: true,
    } as Affinity;
    const out = merged(existing, [zoneB]) as Affinity & { extra?: boolean };
    expect(out.podAntiAffinity).toEqual({ marker: 1 });
    expect(out.extra).toBe(true);
    expect(out.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toEqual(preferred);
    expect(termsOf(out)).toEqual(zoneB.nodeSelectorTerms);
  });

  it('leaves an empty term (which matches no node) as it is instead of widening it', () => {
    const existing = required([{}, { matchExpressions: [label('disk', 'ssd')] }]);
    expect(termsOf(merged(existing, [zoneB]))).toEqual([{}, { matchExpressions: [label('disk', 'ssd'), label('zone', 'b')] }]);
  });

  it('intersects node lists of several pools and drops terms that name two nodes', () => {
    expect(termsOf(merged(undefined, [nodesAB, nodesBC]))).toEqual([{ matchFields: [name('b')] }]);
  });

  it('fails when no node can satisfy the Pod and the pools together', () => {
    const disjoint: NodeSelector = { nodeSelectorTerms: [{ matchFields: [name('c')] }] };
    expect(mergeRequiredNodeAffinity(undefined, [nodesAB, disjoint]).ok).toBe(false);
    expect(mergeRequiredNodeAffinity(required([{ matchFields: [name('x')] }]), [nodesAB]).ok).toBe(false);
  });

  it('does not modify its input', () => {
    const existing = required([{ matchExpressions: [label('disk', 'ssd')] }]);
    const before = structuredClone(existing);
    merged(existing, [zoneB, nodesAB]);
    expect(existing).toEqual(before);
  });

  const arbExpr = fc.constantFrom('zone', 'disk').chain((k) => fc.constantFrom('a', 'b').map((v) => label(k, v)));
  const arbField = fc.constantFrom('n1', 'n2', 'n3').map(name);
  const arbReq = fc.oneof(
    arbExpr.map((e): NodeSelectorTerm => ({ matchExpressions: [e] })),
    arbField.map((f): NodeSelectorTerm => ({ matchFields: [f] })),
  );
  const arbSelector = fc.array(arbReq, { minLength: 1, maxLength: 3 }).map((t): NodeSelector => ({ nodeSelectorTerms: t }));
  const arbTerm = fc.record(
    { matchExpressions: fc.array(arbExpr, { maxLength: 2 }), matchFields: fc.array(arbField, { maxLength: 1 }) },
    { requiredKeys: [] },
  );
  const arbExisting = fc.option(
    fc.array(arbTerm, { maxLength: 3 }).map((t) => required(t)),
    { nil: undefined },
  );

  it('is idempotent, and every resulting term implies one of the Pod terms, in their order', () => {
    fc.assert(
      fc.property(arbExisting, fc.array(arbSelector, { maxLength: 3 }), (existing, reqs) => {
        const once = mergeRequiredNodeAffinity(existing, reqs);
        if (!once.ok) return;
        expect(mergeRequiredNodeAffinity(once.affinity, reqs)).toEqual(once);
        const own = termsOf(existing) ?? [];
        if (own.length === 0 || reqs.length === 0) return;
        // Each output term extends an input term (same requirements plus ours), and the input order is kept.
        let from = 0;
        for (const t of termsOf(once.affinity) ?? []) {
          const origin = own.findIndex(
            (o, i) =>
              i >= from &&
              (o.matchExpressions ?? []).every((r) => JSON.stringify(t.matchExpressions ?? []).includes(JSON.stringify(r))) &&
              (o.matchFields ?? []).every((r) => JSON.stringify(t.matchFields ?? []).includes(JSON.stringify(r))),
          );
          expect(origin).toBeGreaterThanOrEqual(0);
          from = origin;
        }
      }),
    );
  });
});

describe('pinnedNodeName', () => {
  const ds = (n: string): NodeSelectorTerm => ({ matchFields: [name(n)] });
  it.each<[string, { nodeName?: string; affinity?: Affinity }, string | undefined]>([
    ['nothing', {}, undefined],
    ['spec.nodeName', { nodeName: 'worker1' }, 'worker1'],
    ['spec.nodeName wins', { nodeName: 'worker1', affinity: required([ds('master')]) }, 'worker1'],
    ['DaemonSet term', { affinity: required([ds('worker1')]) }, 'worker1'],
    [
      'DaemonSet term plus label requirements',
      { affinity: required([{ ...ds('worker1'), matchExpressions: [label('zone', 'b')] }]) },
      'worker1',
    ],
    ['every term pins the same node', { affinity: required([ds('w'), { ...ds('w'), matchExpressions: [label('a', 'b')] }]) }, 'w'],
    ['terms pin different nodes', { affinity: required([ds('a'), ds('b')]) }, undefined],
    ['one term does not pin', { affinity: required([ds('a'), { matchExpressions: [label('zone', 'b')] }]) }, undefined],
    ['an empty term does not pin', { affinity: required([ds('a'), {}]) }, undefined],
    [
      'NotIn does not pin',
      { affinity: required([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['a'] }] }]) },
      undefined,
    ],
    ['a term naming two different nodes pins nothing', { affinity: required([{ matchFields: [name('a'), name('b')] }]) }, undefined],
    ['no terms', { affinity: required([]) }, undefined],
  ])('%s', (_n, spec, expected) => {
    expect(pinnedNodeName(spec)).toBe(expected);
  });

  it('a Pod given a one-node pool requirement reads back as pinned to that node', () => {
    const req = nodeRequirementOf(pool({ nodeName: ['worker1'] })) as NodeSelector;
    expect(pinnedNodeName({ affinity: merged(undefined, [req]) })).toBe('worker1');
  });
});
