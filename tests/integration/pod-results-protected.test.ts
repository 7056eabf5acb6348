// A Pod's result annotations can only be changed by admission-ipam itself.
import { describe, expect, it } from 'vitest';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';

const { core } = clients();

describe('result annotations of a Pod', () => {
  it('refuses another user changing ipam.spidernet.io/assigned-eth0, and allows other annotations', async () => {
    const namespace = await createTestNamespace(core, 'protect');
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'p', annotations: { 'ipam.spidernet.io/assigned-eth0': '{"interface":"eth0","ipv4":"172.29.0.5/24"}' } },
        spec: { containers: [{ name: 'a', image: 'x' }] },
      },
    });
    const as = ['--as=alice', '--as-group=system:masters'];
    // The API server learns of new webhook configurations asynchronously; poll until the refusal shows.
    const refused = await pollUntil('the annotation change to be refused', 30_000, async () => {
      const res = kubectl([
        'annotate',
        '-n',
        namespace,
        'pod/p',
        '--overwrite',
        'ipam.spidernet.io/assigned-eth0={"interface":"eth0","ipv4":"172.29.0.99/24"}',
        ...as,
      ]);
      return res.status !== 0 ? { done: true, value: res.stderr } : { done: false, seen: 'accepted' };
    });
    expect(refused).toContain(
      `pod ${namespace}/p: ipam.spidernet.io/assigned-eth0 is written by admission-ipam only; user "alice" cannot change it`,
    );
    expect(kubectl(['annotate', '-n', namespace, 'pod/p', 'ipam.spidernet.io/assigned-eth0-', ...as]).status).not.toBe(0);
    const other = kubectl(['annotate', '-n', namespace, 'pod/p', 'team=blue', ...as]);
    expect(other.status, other.stderr).toBe(0);
    const stored = await core.readNamespacedPod({ namespace, name: 'p' });
    expect(stored.metadata?.annotations?.['ipam.spidernet.io/assigned-eth0']).toBe('{"interface":"eth0","ipv4":"172.29.0.5/24"}');
  });
});
