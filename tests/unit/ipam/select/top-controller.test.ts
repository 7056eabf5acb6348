import { describe, expect, it } from 'vitest';
import type { OwnerReference } from '../../../../ipam/model/index.js';
import { type OwnerLookup, topController } from '../../../../ipam/select/top-controller.js';

const ref = (apiVersion: string, kind: string, name: string, controller = true): OwnerReference => ({
  apiVersion,
  kind,
  name,
  uid: `uid-${name}`,
  controller,
});
const owners: Record<string, OwnerReference[]> = {
  'ReplicaSet/web-7c9f': [ref('apps/v1', 'Deployment', 'web')],
  'ReplicaSet/lonely': [],
  'Job/nightly-2911': [ref('batch/v1', 'CronJob', 'nightly')],
  'ReplicaSet/rollout-abc': [ref('argoproj.io/v1alpha1', 'Rollout', 'rollout')],
};
const lookup: OwnerLookup = (kind, _ns, name) => owners[`${kind}/${name}`];

describe('topController', () => {
  it.each([
    ['a bare Pod', [], { group: '', version: 'v1', kind: 'Pod', name: 'p' }],
    [
      'a Deployment Pod',
      [ref('apps/v1', 'ReplicaSet', 'web-7c9f')],
      { group: 'apps', version: 'v1', kind: 'Deployment', name: 'web', uid: 'uid-web' },
    ],
    ['a bare ReplicaSet Pod', [ref('apps/v1', 'ReplicaSet', 'lonely')], { group: 'apps', kind: 'ReplicaSet', name: 'lonely' }],
    ['a CronJob Pod', [ref('batch/v1', 'Job', 'nightly-2911')], { group: 'batch', kind: 'CronJob', name: 'nightly' }],
    ['a StatefulSet Pod', [ref('apps/v1', 'StatefulSet', 'db')], { group: 'apps', kind: 'StatefulSet', name: 'db' }],
    ['a DaemonSet Pod', [ref('apps/v1', 'DaemonSet', 'agent')], { group: 'apps', kind: 'DaemonSet', name: 'agent' }],
    [
      'a third-party controller',
      [ref('apps.kruise.io/v1alpha1', 'CloneSet', 'kruise')],
      { group: 'apps.kruise.io', version: 'v1alpha1', kind: 'CloneSet', name: 'kruise' },
    ],
    [
      'a ReplicaSet owned by a third-party controller keeps the ReplicaSet',
      [ref('apps/v1', 'ReplicaSet', 'rollout-abc')],
      { kind: 'ReplicaSet', name: 'rollout-abc' },
    ],
    ['a ReplicaSet not in the cache yet', [ref('apps/v1', 'ReplicaSet', 'unknown')], { kind: 'ReplicaSet', name: 'unknown' }],
    ['an owner that is not the controller', [ref('apps/v1', 'StatefulSet', 'db', false)], { kind: 'Pod', name: 'p' }],
  ])('%s', (_what, ownerReferences, expected) => {
    expect(topController({ namespace: 'ns', name: 'p', ownerReferences }, lookup)).toMatchObject({ namespace: 'ns', ...expected });
  });
});
