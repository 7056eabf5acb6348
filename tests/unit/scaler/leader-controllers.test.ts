// Controllers that run on one replica: started together on gaining the Lease, stopped together (in reverse) on
// losing it or on shutdown, before the Lease is released; run from the start without election.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../admission/log.js';
import { type ControllerStarter, controllerGroup, runLeaderControllers } from '../../../scaler/leader-controllers.js';
import { apiError, memoryLease } from '../kube/memory-lease.js';

const log = createLogger({ level: 'silent' });

function recording(names: string[], events: string[]): ControllerStarter[] {
  return names.map((name) => ({
    name,
    start: () => {
      events.push(`start ${name}`);
      return { stop: () => void events.push(`stop ${name}`) };
    },
  }));
}

describe('controllerGroup', () => {
  it('starts in order, stops in reverse, and only once each', async () => {
    const events: string[] = [];
    const group = controllerGroup(recording(['status', 'gc'], events), log);
    group.start();
    group.start();
    expect(group.running).toBe(true);
    await group.stop();
    await group.stop();
    expect(group.running).toBe(false);
    expect(events).toEqual(['start status', 'start gc', 'stop gc', 'stop status']);
  });

  it('a controller that fails to start or stop does not keep the others from running or stopping', async () => {
    const events: string[] = [];
    const broken: ControllerStarter = {
      name: 'broken',
      start: () => {
        throw new Error('no');
      },
    };
    const failingStop: ControllerStarter = {
      name: 'sticky',
      start: () => ({
        stop: () => {
          throw new Error('no');
        },
      }),
    };
    const group = controllerGroup([broken, ...recording(['status'], events), failingStop, ...recording(['gc'], events)], log);
    group.start();
    await group.stop();
    expect(events).toEqual(['start status', 'start gc', 'stop gc', 'stop status']);
  });
});

describe('runLeaderControllers', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2030, 0, 1) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('without election, runs the controllers at once and reports leading', async () => {
    const events: string[] = [];
    const leading: boolean[] = [];
    const running = runLeaderControllers({
      controllers: recording(['status'], events),
      election: undefined,
      log,
      onLeadingChange: (l) => leading.push(l),
    });
    expect(running.isLeader()).toBe(true);
    await running.stop();
    expect(events).toEqual(['start status', 'stop status']);
    expect(leading).toEqual([true, false]);
  });

  it('with election, runs them only while holding the Lease, and stops them before releasing it', async () => {
    const lease = memoryLease();
    lease.write({ holderIdentity: 'other', leaseDurationSeconds: 15, leaseTransitions: 0 });
    const events: string[] = [];
    const leading: boolean[] = [];
    const running = runLeaderControllers({
      controllers: recording(['status', 'gc'], events),
      election: { namespace: 'test', name: 'lease', identity: 'me', leases: lease.client },
      log,
      onLeadingChange: (l) => {
        leading.push(l);
        events.push(`holder ${lease.record()?.holderIdentity || '(none)'}`);
      },
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(running.isLeader()).toBe(false);
    expect(events).toEqual([]);
    // The other replica released the Lease: we take over within a retry period and start the controllers.
    lease.write({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });
    await vi.advanceTimersByTimeAsync(4400);
    expect(running.isLeader()).toBe(true);
    expect(events).toEqual(['start status', 'start gc', 'holder me']);
    // Renewals fail: after the renew deadline the controllers stop.
    lease.fail(apiError(500));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(running.isLeader()).toBe(false);
    expect(events.slice(3)).toEqual(['holder me', 'stop gc', 'stop status']);
    lease.fail(undefined);
    await vi.advanceTimersByTimeAsync(4400);
    expect(running.isLeader()).toBe(true);
    const writesBeforeStop = lease.writes.length;
    await running.stop();
    // The controllers stopped while the Lease still named us; then one write released it.
    expect(events.slice(-3)).toEqual(['holder me', 'stop gc', 'stop status']);
    expect(lease.writes.slice(writesBeforeStop)).toEqual([expect.objectContaining({ holderIdentity: '', leaseDurationSeconds: 1 })]);
    expect(leading).toEqual([true, false, true, false]);
  });
});
