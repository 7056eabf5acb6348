// The election loop on a Lease held in memory (with resourceVersion conflicts like the API server's) and fake
// timers: who leads, renewals, giving up after the renew deadline, losing the Lease to another writer, release on
// stop, and a loop that logs failures instead of throwing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ElectionLog, type LeaderElector, startLeaderElection } from '../../../kube/leader/index.js';
import { apiError, memoryLease } from './memory-lease.js';

function collectingLog() {
  const lines: { level: string; message: string; fields: object }[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push({ level, message, fields });
    };
  const log: ElectionLog = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines, messages: () => lines.map((l) => l.message) };
}

const clock = () => ({ monotonicMs: Date.now(), wall: new Date() });

function elector(lease: ReturnType<typeof memoryLease>, identity: string, events: string[], log = collectingLog().log): LeaderElector {
  return startLeaderElection({
    namespace: 'test',
    name: 'lease',
    identity,
    leases: lease.client,
    clock,
    random: () => 0.5,
    log,
    onStartedLeading: () => {
      events.push(`${identity} started`);
    },
    onStoppedLeading: () => {
      events.push(`${identity} stopped`);
    },
  });
}

const running: LeaderElector[] = [];
const start = (...args: Parameters<typeof elector>) => {
  const e = elector(...args);
  running.push(e);
  return e;
};

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2030, 0, 1) });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  vi.useRealTimers();
});

describe('startLeaderElection', () => {
  it('creates the Lease, leads, and renews every retry period', async () => {
    const lease = memoryLease();
    const events: string[] = [];
    const a = start(lease, 'a', events);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.isLeader()).toBe(true);
    expect(events).toEqual(['a started']);
    expect(lease.record()).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    const firstRenew = lease.record()?.renewTime;
    await vi.advanceTimersByTimeAsync(2000);
    expect(lease.record()?.renewTime).not.toBe(firstRenew);
    expect(lease.record()?.acquireTime).toBe(firstRenew);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lease.writes.length).toBe(32); // the create and one renewal per 2 s
    expect(events).toEqual(['a started']);
  });

  it('lets exactly one of two replicas lead, and hands over at once on stop()', async () => {
    const lease = memoryLease();
    const events: string[] = [];
    const a = start(lease, 'a', events);
    await vi.advanceTimersByTimeAsync(0);
    const b = start(lease, 'b', events);
    await vi.advanceTimersByTimeAsync(30_000);
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    await a.stop();
    // a stopped its controllers before it released the Lease.
    expect(events).toEqual(['a started', 'a stopped']);
    expect(lease.record()).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });
    // b reads again within a jittered retry period (2 s × 1.6 here), long before a lease duration.
    await vi.advanceTimersByTimeAsync(3200);
    expect(b.isLeader()).toBe(true);
    expect(events).toEqual(['a started', 'a stopped', 'b started']);
    expect(lease.record()).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('waits a lease duration after it first saw a dead holder, then takes over', async () => {
    const lease = memoryLease();
    lease.write({ holderIdentity: 'dead', leaseDurationSeconds: 15, renewTime: '2001-01-01T00:00:00.000000Z', leaseTransitions: 4 });
    const events: string[] = [];
    const b = start(lease, 'b', events);
    await vi.advanceTimersByTimeAsync(14_999);
    expect(b.isLeader()).toBe(false);
    expect(lease.record()?.holderIdentity).toBe('dead');
    // Reads come every 3.2 s here (2 s stretched by the candidates' jitter), so the first after expiry takes it.
    await vi.advanceTimersByTimeAsync(3201);
    expect(b.isLeader()).toBe(true);
    expect(lease.record()).toMatchObject({ holderIdentity: 'b', leaseTransitions: 5 });
  });

  it('gives up leadership when no renewal succeeds within the renew deadline, and leads again once it can', async () => {
    const lease = memoryLease();
    const events: string[] = [];
    const { log, messages } = collectingLog();
    const a = start(lease, 'a', events, log);
    await vi.advanceTimersByTimeAsync(0);
    lease.fail(apiError(503));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(a.isLeader()).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.isLeader()).toBe(false);
    expect(events).toEqual(['a started', 'a stopped']);
    expect(messages()).toContain('leader election round failed; will retry');
    lease.fail(undefined);
    // The Lease still names us and nobody took it over: the next round renews it.
    await vi.advanceTimersByTimeAsync(4400);
    expect(a.isLeader()).toBe(true);
    expect(events).toEqual(['a started', 'a stopped', 'a started']);
  });

  it('counts the renew deadline from when a renewal was sent: answers that come too late do not keep it leading', async () => {
    const lease = memoryLease();
    const events: string[] = [];
    const a = start(lease, 'a', events);
    await vi.advanceTimersByTimeAsync(0);
    lease.answerWritesAfter(11_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(a.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(a.isLeader()).toBe(false);
    expect(events).toEqual(['a started', 'a stopped']);
    // Answers in time again: the Lease still names it, so it leads again.
    lease.answerWritesAfter(0);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(a.isLeader()).toBe(true);
  });

  it('stops leading when another writer takes the Lease', async () => {
    const lease = memoryLease();
    const events: string[] = [];
    const a = start(lease, 'a', events);
    await vi.advanceTimersByTimeAsync(0);
    lease.write({ holderIdentity: 'intruder', leaseDurationSeconds: 15, leaseTransitions: 1 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(a.isLeader()).toBe(false);
    expect(events).toEqual(['a started', 'a stopped']);
    // It is a candidate again: the intruder never renews, so it takes the Lease back after a lease duration.
    await vi.advanceTimersByTimeAsync(20_000);
    expect(a.isLeader()).toBe(true);
    expect(lease.record()).toMatchObject({ holderIdentity: 'a', leaseTransitions: 2 });
  });

  it('recreates a deleted Lease and keeps leading, as client-go does', async () => {
    const lease = memoryLease();
    const events: string[] = [];
    const a = start(lease, 'a', events);
    await vi.advanceTimersByTimeAsync(0);
    lease.remove();
    await vi.advanceTimersByTimeAsync(2000);
    expect(a.isLeader()).toBe(true);
    expect(lease.record()).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0 });
    expect(events).toEqual(['a started']);
  });

  it('loses a deleted Lease to a replica that recreated it first', async () => {
    const lease = memoryLease();
    const events: string[] = [];
    const a = start(lease, 'a', events);
    await vi.advanceTimersByTimeAsync(0);
    lease.remove();
    lease.write({ holderIdentity: 'b', leaseDurationSeconds: 15, leaseTransitions: 0 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(a.isLeader()).toBe(false);
    expect(events).toEqual(['a started', 'a stopped']);
  });

  it('never throws out of the loop, whatever the client throws', async () => {
    const lease = memoryLease();
    const { log, lines } = collectingLog();
    lease.fail(new TypeError('cannot read properties of undefined'));
    const a = start(lease, 'a', [], log);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lines.filter((l) => l.level === 'warn').length).toBeGreaterThanOrEqual(4);
    lease.fail(undefined);
    await vi.advanceTimersByTimeAsync(2000);
    expect(a.isLeader()).toBe(true);
  });

  it('logs a failing callback and carries on', async () => {
    const lease = memoryLease();
    const { log, messages } = collectingLog();
    const a = startLeaderElection({
      namespace: 'test',
      name: 'lease',
      identity: 'a',
      leases: lease.client,
      clock,
      log,
      onStartedLeading: () => {
        throw new Error('controller would not start');
      },
      onStoppedLeading: () => {},
    });
    running.push(a);
    await vi.advanceTimersByTimeAsync(4000);
    expect(a.isLeader()).toBe(true);
    expect(messages()).toContain('onStartedLeading failed');
  });

  it('stop() of a replica that does not lead writes nothing and calls nothing', async () => {
    const lease = memoryLease();
    lease.write({ holderIdentity: 'other', leaseDurationSeconds: 15, leaseTransitions: 0 });
    const events: string[] = [];
    const b = start(lease, 'b', events);
    await vi.advanceTimersByTimeAsync(4000);
    await b.stop();
    expect(lease.record()?.holderIdentity).toBe('other');
    expect(lease.writes).toEqual([]);
    expect(events).toEqual([]);
  });

  it('refuses inconsistent timing at start', () => {
    expect(() => elector(memoryLease(), 'a', [])).not.toThrow();
    expect(() =>
      startLeaderElection({
        namespace: 'n',
        name: 'l',
        leases: memoryLease().client,
        log: collectingLog().log,
        settings: { leaseDurationSeconds: 5, renewDeadlineMs: 5000 },
        onStartedLeading: () => {},
        onStoppedLeading: () => {},
      }),
    ).toThrow(/must be longer than the renew deadline/);
  });
});
