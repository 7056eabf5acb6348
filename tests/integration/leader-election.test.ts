// Leader election against the real API server: two electors on one Lease, exactly one leads; stopping it releases
// the Lease and the other takes over; a dead holder's Lease is taken only a lease duration after it was first seen;
// a leader whose Lease is taken by another writer stops leading; a deleted Lease is recreated by its leader.
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ElectionLog, formatMicroTime, type LeaderElector, startLeaderElection } from '../../kube/leader/index.js';
import { clients, createTestNamespace, pollUntil } from '../support/cluster.js';

const { kc, core, custom } = clients();
// Short timings so the test takes seconds; the same relations as the defaults (lease > deadline > 1.2 × retry).
const settings = { leaseDurationSeconds: 4, renewDeadlineMs: 3000, retryPeriodMs: 500 };
const leaseApi = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };
let namespace = '';

interface LeaseJson {
  metadata: { resourceVersion: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

async function readLease(name: string): Promise<LeaseJson | undefined> {
  try {
    return (await custom.getNamespacedCustomObject({ ...leaseApi, namespace, name })) as LeaseJson;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

const describeLease = (lease: LeaseJson | undefined) => (lease ? JSON.stringify(lease.spec) : 'no Lease');

/** Every elector of the test, with a shared record of who leads, to catch two leaders at once. */
const electors: LeaderElector[] = [];
const leading = new Set<string>();
let mostLeadersAtOnce = 0;
const events: string[] = [];
const logLines: string[] = [];

function logTo(identity: string): ElectionLog {
  const line = (level: string) => (fields: object, message: string) => {
    logLines.push(`${identity} ${level} ${message} ${JSON.stringify(fields)}`);
  };
  return { debug: () => {}, info: line('info'), warn: line('warn'), error: line('error') };
}

function elect(name: string, identity: string, onLeading?: () => void): LeaderElector {
  const elector = startLeaderElection({
    kc,
    namespace,
    name,
    identity,
    settings,
    log: logTo(identity),
    onStartedLeading: () => {
      leading.add(identity);
      mostLeadersAtOnce = Math.max(mostLeadersAtOnce, leading.size);
      events.push(`${identity} started`);
      onLeading?.();
    },
    onStoppedLeading: () => {
      leading.delete(identity);
      events.push(`${identity} stopped`);
    },
  });
  electors.push(elector);
  return elector;
}

const leaderOf = (candidates: LeaderElector[]) => candidates.filter((e) => e.isLeader());

beforeAll(async () => {
  namespace = await createTestNamespace(core, 'leader');
});

afterEach(async (context) => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
  if (context.task.result?.state === 'fail') console.error(`election log:\n${logLines.join('\n')}`);
  leading.clear();
  mostLeadersAtOnce = 0;
  events.length = 0;
  logLines.length = 0;
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace });
});

describe('leader election on a Lease', () => {
  it('lets exactly one of two replicas lead; stopping it hands the Lease over at once', async () => {
    const name = 'two-replicas';
    const a = elect(name, 'replica-a');
    const b = elect(name, 'replica-b');
    const first = await pollUntil('one of two electors to lead', 30_000, async () => {
      const leaders = leaderOf([a, b]);
      return leaders.length === 1 ? { done: true, value: leaders[0] } : { done: false, seen: `${leaders.length} leaders` };
    });
    if (!first) throw new Error('no leader');
    const second = first === a ? b : a;
    // After a renewal, still one leader, and the Lease names it.
    await pollUntil('a renewal of the Lease', 30_000, async () => {
      const lease = await readLease(name);
      return lease?.spec.holderIdentity === first.identity && lease.spec.renewTime !== lease.spec.acquireTime
        ? { done: true, value: undefined }
        : { done: false, seen: describeLease(lease) };
    });
    const held = await readLease(name);
    expect(held?.spec).toMatchObject({ holderIdentity: first.identity, leaseDurationSeconds: 4, leaseTransitions: 0 });
    expect(held?.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(second.isLeader()).toBe(false);

    await first.stop();
    expect(events).toEqual([`${first.identity} started`, `${first.identity} stopped`]);
    const released = await readLease(name);
    // Released, unless the other replica was quicker still.
    expect(['', second.identity]).toContain(released?.spec.holderIdentity);

    // Far sooner than a lease duration would allow, but polled: only the outcome is asserted.
    await pollUntil('the other replica to take over', 30_000, async () => {
      const lease = await readLease(name);
      return second.isLeader() && lease?.spec.holderIdentity === second.identity
        ? { done: true, value: undefined }
        : { done: false, seen: `leading: ${second.isLeader()}; ${describeLease(lease)}` };
    });
    expect((await readLease(name))?.spec.leaseTransitions).toBe(1);
    expect(mostLeadersAtOnce).toBe(1);
  });

  it("takes over a dead holder's Lease only a lease duration after first seeing it", async () => {
    const name = 'dead-holder';
    // Renewed an hour ago by the writer's clock: a candidate comparing clocks would take it at once.
    const anHourAgo = formatMicroTime(new Date(Date.now() - 3600_000));
    await custom.createNamespacedCustomObject({
      ...leaseApi,
      namespace,
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name },
        spec: {
          holderIdentity: 'dead-replica',
          leaseDurationSeconds: 4,
          acquireTime: anHourAgo,
          renewTime: anHourAgo,
          leaseTransitions: 7,
        },
      },
    });
    const startedAt = performance.now();
    let ledAt = 0;
    const c = elect(name, 'replica-c', () => {
      ledAt = performance.now();
    });
    await pollUntil('the candidate to take over the dead Lease', 60_000, async () => {
      const lease = await readLease(name);
      return c.isLeader() ? { done: true, value: undefined } : { done: false, seen: describeLease(lease) };
    });
    // The candidate's first read came after startedAt and it waits a full lease duration from that read, so this
    // bound holds however slow the machine is.
    expect(ledAt - startedAt).toBeGreaterThanOrEqual(settings.leaseDurationSeconds * 1000);
    const lease = await readLease(name);
    expect(lease?.spec).toMatchObject({ holderIdentity: 'replica-c', leaseDurationSeconds: 4, leaseTransitions: 8 });
    expect(lease?.spec.acquireTime).not.toBe(anHourAgo);
  });

  it('stops leading when another writer takes the Lease', async () => {
    const name = 'taken';
    const a = elect(name, 'replica-a');
    await pollUntil('the elector to lead', 30_000, async () =>
      a.isLeader() ? { done: true, value: undefined } : { done: false, seen: describeLease(await readLease(name)) },
    );
    // Another writer replaces the record, as a replica with a different identity would.
    await pollUntil('the Lease to be taken by another writer', 30_000, async () => {
      const lease = await readLease(name);
      if (!lease) return { done: false, seen: 'no Lease' };
      const now = formatMicroTime(new Date());
      await custom.replaceNamespacedCustomObject({
        ...leaseApi,
        namespace,
        name,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', acquireTime: now, renewTime: now, leaseTransitions: 1 } },
      });
      return { done: true, value: undefined };
    });
    await pollUntil('onStoppedLeading after the Lease was taken', 30_000, async () =>
      events.includes('replica-a stopped') ? { done: true, value: undefined } : { done: false, seen: events.join(', ') || 'no events' },
    );
    expect(a.isLeader()).toBe(false);
    // The intruder never renews: after a lease duration as observed, the elector takes the Lease back.
    await pollUntil('the elector to take the Lease back', 60_000, async () => {
      const lease = await readLease(name);
      return a.isLeader() && lease?.spec.holderIdentity === 'replica-a'
        ? { done: true, value: lease }
        : { done: false, seen: describeLease(lease) };
    });
    expect((await readLease(name))?.spec.leaseTransitions).toBe(2);
    expect(events).toEqual(['replica-a started', 'replica-a stopped', 'replica-a started']);
  });

  it('recreates a deleted Lease and keeps leading', async () => {
    const name = 'deleted';
    const a = elect(name, 'replica-a');
    await pollUntil('the elector to lead', 30_000, async () =>
      a.isLeader() ? { done: true, value: undefined } : { done: false, seen: describeLease(await readLease(name)) },
    );
    const before = await readLease(name);
    await custom.deleteNamespacedCustomObject({ ...leaseApi, namespace, name });
    await pollUntil('the Lease to be recreated by its leader', 30_000, async () => {
      const lease = await readLease(name);
      return lease && lease.metadata.resourceVersion !== before?.metadata.resourceVersion && lease.spec.holderIdentity === 'replica-a'
        ? { done: true, value: undefined }
        : { done: false, seen: describeLease(lease) };
    });
    expect(a.isLeader()).toBe(true);
    expect(events).toEqual(['replica-a started']);
  });
});
