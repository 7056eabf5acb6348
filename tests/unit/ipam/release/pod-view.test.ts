// What the releaser reads of a Pod (behaviour preface (c), §5): who it is, whether it still uses its addresses, where it
// runs, whether a StatefulSet owns it, and which addresses its `ipam.spidernet.io/assigned-<interface>` annotations claim.
import { describe, expect, it } from 'vitest';
import { type AssignedResult, assignedAnnotationKey, formatAssignedResult } from '../../../../ipam/model/index.js';
import { claims, type PodObject, podView, trimPod } from '../../../../ipam/release/index.js';

function result(iface: string, more: Partial<AssignedResult>): string {
  return formatAssignedResult({
    interface: iface,
    ipv4: '',
    ipv6: '',
    ipv4pool: '',
    ipv6pool: '',
    vlan: 0,
    ipv4gateway: '',
    ipv6gateway: '',
    cleangateway: false,
    routes: [],
    token: '',
    ...more,
  });
}

const stsOwner = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'sts-uid', controller: true };

describe('podView', () => {
  it('reads identity, phase, node and deletion deadline', () => {
    const view = podView({
      metadata: { name: 'web-abc', namespace: 'default', uid: 'u1', deletionTimestamp: '2026-01-01T00:00:30.900Z' },
      spec: { nodeName: 'node-1' },
      status: { phase: 'Running' },
    });
    expect(view).toEqual({
      key: 'default/web-abc',
      namespace: 'default',
      uid: 'u1',
      phase: 'Running',
      deletionDeadline: 1767225630, // whole seconds, rounded down
      nodeName: 'node-1',
      admitted: false,
      unreadable: false,
      claims: [],
    });
  });

  it('fills what a Pod lacks with empty values, and has no deadline or StatefulSet unless there is one', () => {
    const view = podView({ metadata: { name: 'p', namespace: 'ns' } });
    expect(view).toEqual({
      key: 'ns/p',
      namespace: 'ns',
      uid: '',
      phase: '',
      nodeName: '',
      admitted: false,
      unreadable: false,
      claims: [],
    });
    expect('deletionDeadline' in view).toBe(false);
    expect('statefulSet' in view).toBe(false);
  });

  it('ignores a deletion timestamp that is not a date', () => {
    expect(podView({ metadata: { name: 'p', namespace: 'ns', deletionTimestamp: 'soon' } }).deletionDeadline).toBeUndefined();
  });

  it.each([
    ['the controlling StatefulSet', [stsOwner], 'web'],
    ['a StatefulSet of apps/v1beta2', [{ ...stsOwner, apiVersion: 'apps/v1beta2' }], 'web'],
    ['a StatefulSet that does not control the Pod', [{ ...stsOwner, controller: false }], undefined],
    ['a StatefulSet owner without controller flag', [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web' }], undefined],
    ['a ReplicaSet', [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7c9f', controller: true }], undefined],
    ['a "StatefulSet" of another API group', [{ ...stsOwner, apiVersion: 'example.com/v1' }], undefined],
    [
      'a non-controller StatefulSet next to a controlling ReplicaSet',
      [
        { ...stsOwner, controller: false },
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', controller: true },
      ],
      undefined,
    ],
  ])('statefulSet from %s', (_, ownerReferences, expected) => {
    expect(podView({ metadata: { name: 'web-0', namespace: 'ns', ownerReferences } }).statefulSet).toBe(expected);
  });

  it('claims each address of each result annotation, with its pool and token, as canonical text', () => {
    const view = podView({
      metadata: {
        name: 'p',
        namespace: 'ns',
        annotations: {
          [assignedAnnotationKey('eth0')]: result('eth0', {
            ipv4: '10.6.0.10/16',
            ipv4pool: 'v4-a',
            ipv6: 'FD00:0:0::0A/64',
            ipv6pool: 'v6-a',
            token: 'tok-1',
          }),
          [assignedAnnotationKey('net1')]: result('net1', { ipv4: '10.7.0.5/24', ipv4pool: 'v4-b', token: 'tok-1' }),
          'ipam.spidernet.io/ippool': '{"ipv4":["v4-a"]}',
          unrelated: 'x',
        },
      },
    });
    expect(view.admitted).toBe(true);
    expect(view.claims).toEqual(
      expect.arrayContaining([
        { pool: 'v4-a', ip: '10.6.0.10', token: 'tok-1' },
        { pool: 'v6-a', ip: 'fd00::a', token: 'tok-1' },
        { pool: 'v4-b', ip: '10.7.0.5', token: 'tok-1' },
      ]),
    );
    expect(view.claims).toHaveLength(3);
    expect(claims(view, 'v6-a', 'fd00::a')).toBe(true);
    expect(claims(view, 'v4-a', '10.6.0.10')).toBe(true);
    // The pool and the address must both match.
    expect(claims(view, 'v4-b', '10.6.0.10')).toBe(false);
    expect(claims(view, 'v4-a', '10.6.0.11')).toBe(false);
  });

  it('is not admitted when no annotation is a result of ours', () => {
    const view = podView({ metadata: { name: 'p', namespace: 'ns', annotations: { 'ipam.spidernet.io/ippool': '{"ipv4":["a"]}' } } });
    expect(view.admitted).toBe(false);
    expect(view.claims).toEqual([]);
  });

  it.each([
    ['not JSON', '{broken'],
    ['for another interface', result('net1', { ipv4: '10.6.0.10/24', ipv4pool: 'a' })],
    ['holding no address', result('eth0', { ipv4pool: 'a' })],
  ])('counts a Pod with an unreadable result (%s) as admitted, claiming nothing', (_, value) => {
    const view = podView({ metadata: { name: 'p', namespace: 'ns', annotations: { [assignedAnnotationKey('eth0')]: value } } });
    expect(view.admitted).toBe(true);
    expect(view.claims).toEqual([]);
  });

  it('keeps the claims of readable annotations next to an unreadable one', () => {
    const view = podView({
      metadata: {
        name: 'p',
        namespace: 'ns',
        annotations: {
          [assignedAnnotationKey('eth0')]: '{broken',
          [assignedAnnotationKey('net1')]: result('net1', { ipv4: '10.7.0.5/24', ipv4pool: 'b', token: 't' }),
        },
      },
    });
    expect(view.claims).toEqual([{ pool: 'b', ip: '10.7.0.5', token: 't' }]);
  });
});

describe('trimPod', () => {
  const full: PodObject & { spec: Record<string, unknown>; status: Record<string, unknown> } = {
    metadata: {
      name: 'web-0',
      namespace: 'ns',
      uid: 'u1',
      resourceVersion: '42',
      deletionTimestamp: '2026-01-01T00:00:30Z',
      annotations: {
        [assignedAnnotationKey('eth0')]: result('eth0', { ipv4: '10.6.0.10/24', ipv4pool: 'a', token: 't' }),
        'kubectl.kubernetes.io/last-applied-configuration': '{"big": true}',
      },
      ownerReferences: [{ ...stsOwner }, { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'cm-uid' }],
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Running', podIPs: [{ ip: '10.6.0.10' }], conditions: [{ type: 'Ready' }] },
  };

  it('keeps only the fields the releaser reads', () => {
    expect(trimPod(full)).toEqual({
      metadata: {
        name: 'web-0',
        namespace: 'ns',
        uid: 'u1',
        resourceVersion: '42',
        deletionTimestamp: '2026-01-01T00:00:30Z',
        annotations: { [assignedAnnotationKey('eth0')]: full.metadata.annotations?.[assignedAnnotationKey('eth0')] },
        ownerReferences: [stsOwner],
      },
      spec: { nodeName: 'node-1' },
      status: { phase: 'Running', podIPs: [{ ip: '10.6.0.10' }] },
    });
  });

  it('gives the same view as the full Pod', () => {
    expect(podView(trimPod(full))).toEqual(podView(full));
  });

  it('adds no empty annotations or owners, and no fields the Pod did not have', () => {
    const trimmed = trimPod({ metadata: { name: 'p', namespace: 'ns', annotations: { other: 'x' } } });
    expect(trimmed).toEqual({ metadata: { name: 'p', namespace: 'ns' }, spec: {}, status: {} });
  });
});

describe('a Pod that opted out of the webhook', () => {
  it('claims nothing and counts as not admitted, whatever result annotations it carries', () => {
    const view = podView({
      metadata: {
        name: 'copycat',
        namespace: 'default',
        uid: 'u9',
        labels: { 'admission-ipam.spidernet.io/ignore': 'true' },
        annotations: {
          'ipam.spidernet.io/assigned-eth0': '{"interface":"eth0","ipv4":"10.6.0.10/24","ipv4pool":"pool-a","token":"tok-1"}',
        },
      },
    });
    expect(view.admitted).toBe(false);
    expect(view.claims).toEqual([]);
  });

  it('keeps the opt-out label when trimmed for the cache, and no other label', () => {
    const trimmed = trimPod({
      metadata: { name: 'p', namespace: 'ns', labels: { 'admission-ipam.spidernet.io/ignore': 'true', app: 'x' } },
    });
    expect(trimmed.metadata.labels).toEqual({ 'admission-ipam.spidernet.io/ignore': 'true' });
  });
});
