import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../../../admission/review.js';
import { protectPodResults } from '../../../admission/validate/pod.js';

const handler = protectPodResults(['system:serviceaccount:admission-ipam-system:admission-ipam']);
const pod = (annotations: Record<string, string>) => ({ metadata: { name: 'web-0', namespace: 'shop', annotations } });
const request = (oldAnnotations: Record<string, string>, newAnnotations: Record<string, string>, username: string): AdmissionRequest => ({
  uid: 'u1',
  kind: { group: '', version: 'v1', kind: 'Pod' },
  resource: { group: '', version: 'v1', resource: 'pods' },
  name: 'web-0',
  namespace: 'shop',
  operation: 'UPDATE',
  userInfo: { username },
  oldObject: pod(oldAnnotations),
  object: pod(newAnnotations),
});
const assigned = 'ipam.spidernet.io/assigned-eth0';

describe('protecting the result annotations of a Pod', () => {
  it.each([
    ['another annotation changes', { [assigned]: 'a', team: 'x' }, { [assigned]: 'a', team: 'y' }, 'alice', 'allowed'],
    [
      'the IPAM itself changes it',
      { [assigned]: 'a' },
      { [assigned]: 'b' },
      'system:serviceaccount:admission-ipam-system:admission-ipam',
      'allowed',
    ],
    ['a user changes it', { [assigned]: 'a' }, { [assigned]: 'b' }, 'alice', 'denied'],
    ['a user removes it', { [assigned]: 'a' }, {}, 'alice', 'denied'],
    ['a user adds one', {}, { 'ipam.spidernet.io/assigned-net1': 'x' }, 'alice', 'denied'],
  ])('%s: %s', (_what, before, after, user, outcome) => {
    expect(handler(request(before, after, user), { log: undefined as never })).toMatchObject({ kind: outcome });
  });

  it('says which annotation, which user, and what to do', () => {
    const decision = handler(request({ [assigned]: 'a' }, { [assigned]: 'b' }, 'alice'), { log: undefined as never });
    expect(decision).toMatchObject({
      kind: 'denied',
      code: 403,
      message:
        'pod shop/web-0: ipam.spidernet.io/assigned-eth0 is written by admission-ipam only; user "alice" cannot change it. Delete the Pod to get new addresses.',
    });
  });
});
