// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: read the Lease, let
// lease-decision.ts say what to do, write with the resourceVersion that was read (a conflict only means another
// replica wrote first: read again), renew every retry period while leading, stop leading when no renewal has
// succeeded for the renew deadline, and release the Lease on stop() so another replica takes over at once.
// The loop never throws: every failure is logged and tried again a retry period later.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { KubeConfig } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../api-errors.js';
import { jitteredInterval } from '../watch/index.js';
import { type LeaseClient, leaseClient } from './lease-client.js';
import { decideLease, type ElectionTime, type Observation, releasedRecord } from './lease-decision.js';
import type { StoredLease } from './lease-record.js';
import { candidateJitter, type LeaderElectionSettings, leaderElectionSettings } from './settings.js';

/** The logger calls the elector makes; a pino Logger fits. */
export interface ElectionLog {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface LeaderElectionOptions {
  /** Credentials; not needed when `leases` is given. */
  kc?: KubeConfig;
  namespace: string;
  /** The Lease's name. */
  name: string;
  /** Default `<hostname>_<random UUID>`: unique per process, so a restarted replica is a new candidate. */
  identity?: string;
  /** Called once leadership is gained; may return a promise, awaited before any later callback. */
  onStartedLeading(): void | Promise<void>;
  /** Called once leadership is lost or given up, and on stop() if leading, before the Lease is released. */
  onStoppedLeading(): void | Promise<void>;
  log: ElectionLog;
  settings?: Partial<LeaderElectionSettings>;
  /** Per request; default half the renew deadline, which leaves the leader time for another try. */
  requestTimeoutMs?: number;
  /** Tests: a Lease in memory, a controlled clock and random source. */
  leases?: LeaseClient;
  clock?: () => ElectionTime;
  random?: () => number;
}

export interface LeaderElector {
  readonly identity: string;
  isLeader(): boolean;
  /** Ends the loop, calls onStoppedLeading if leading, then releases the Lease if we hold it. Idempotent. */
  stop(): Promise<void>;
}

export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

const systemClock = (): ElectionTime => ({ monotonicMs: performance.now(), wall: new Date() });

export function startLeaderElection(options: LeaderElectionOptions): LeaderElector {
  const settings = leaderElectionSettings(options.settings);
  const identity = options.identity ?? defaultIdentity();
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const requestTimeoutMs = options.requestTimeoutMs ?? settings.renewDeadlineMs / 2;
  const leases = options.leases ?? makeClient(options, requestTimeoutMs);
  const log = options.log;
  const leaseName = leases.describe;

  let stopped = false;
  let leading = false;
  /** The latest version of the Lease we know of: the last one read, or the one our last write returned. */
  let current: StoredLease | undefined;
  let observed: Observation | undefined;
  let renewDeadline: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  /** So "another replica leads" is logged when the holder changes, not every retry period. */
  let lastHolderSeen: string | undefined;
  /** onStartedLeading/onStoppedLeading run one after the other, in the order leadership changed. */
  let callbacks: Promise<void> = Promise.resolve();

  const runCallback = (name: string, callback: () => void | Promise<void>) => {
    callbacks = callbacks.then(callback).catch((err: unknown) => log.error({ lease: leaseName, err }, `${name} failed`));
  };

  const stopLeading = (reason: string) => {
    if (!leading) return;
    leading = false;
    clearTimeout(renewDeadline);
    // Shutting down is expected; losing the Lease while running is worth a warning.
    if (stopped) log.info({ lease: leaseName, identity, reason }, 'stopped leading');
    else log.warn({ lease: leaseName, identity, reason }, 'stopped leading');
    runCallback('onStoppedLeading', () => options.onStoppedLeading());
  };

  /**
   * A write of ours, sent at `sentAt`, succeeded. The renew deadline counts from when it was sent, not from the
   * answer: the API server may have stored it (and candidates started waiting on it) any time after sending, so a
   * slow answer must not stretch our leadership past what they allow for.
   */
  const held = (written: StoredLease, sentAt: number) => {
    current = written;
    const now = clock().monotonicMs;
    observed = { record: written.record, observedAt: now };
    clearTimeout(renewDeadline);
    const remainingMs = sentAt + settings.renewDeadlineMs - now;
    if (remainingMs <= 0) {
      stopLeading('the renewal was answered after the renew deadline');
      return;
    }
    renewDeadline = setTimeout(
      () => stopLeading(`no renewal succeeded within the renew deadline (${settings.renewDeadlineMs} ms)`),
      remainingMs,
    );
    if (!leading && !stopped) {
      leading = true;
      lastHolderSeen = identity;
      log.info({ lease: leaseName, identity }, 'started leading');
      runCallback('onStartedLeading', () => options.onStartedLeading());
    }
  };

  /** One round: read (unless leading), decide, write. Resolves to the delay before the next round. */
  const round = async (): Promise<number> => {
    // While leading, our last write is the newest version we know of: renew on it and read only after a conflict,
    // as client-go's fast path does. One GET fewer per retry period for every leader.
    let lease: StoredLease | undefined = leading && current ? current : await leases.get();
    for (let attempt = 0; ; attempt++) {
      current = lease;
      const now = clock();
      const decision = decideLease({ lease: lease?.record, observed, identity, now, settings });
      observed = decision.observed;
      if (decision.action === 'wait') {
        stopLeading(`the Lease is held by ${decision.holder}`);
        if (decision.holder !== lastHolderSeen) {
          lastHolderSeen = decision.holder;
          log.info({ lease: leaseName, identity, holder: decision.holder, expiresInMs: decision.expiresInMs }, 'another replica leads');
        }
        return jitteredInterval(decision.retryInMs, random, candidateJitter);
      }
      try {
        const written =
          lease && decision.action !== 'create' ? await leases.replace(lease, decision.record) : await leases.create(decision.record);
        held(written, now.monotonicMs);
        if (decision.action === 'take-over') {
          const { reason, previousHolder } = decision;
          log.info(
            { lease: leaseName, identity, reason, previousHolder, leaseTransitions: decision.record.leaseTransitions },
            'took over the Lease',
          );
        } else if (decision.action === 'create') {
          log.info({ lease: leaseName, identity }, 'created the Lease');
        }
        return settings.retryPeriodMs;
      } catch (err) {
        // Someone else wrote (or deleted) the Lease since we read it: decide again on a fresh read, once per round.
        if (attempt === 0 && (isConflict(err) || isNotFound(err))) {
          lease = await leases.get();
          continue;
        }
        throw err;
      }
    }
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const loop = (async () => {
    while (!stopped) {
      let delayMs = settings.retryPeriodMs;
      try {
        delayMs = await round();
      } catch (err) {
        log.warn({ lease: leaseName, identity, leading, err }, 'leader election round failed; will retry');
      }
      if (stopped) break;
      await sleep(delayMs);
    }
  })();

  /** Writes an empty holder so the next candidate takes over at once instead of after a lease duration. */
  const release = async () => {
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        if (!current || current.record.holderIdentity !== identity) return;
        try {
          const written = await leases.replace(current, releasedRecord(current.record, clock()));
          current = written;
          log.info({ lease: leaseName, identity }, 'released the Lease');
          return;
        } catch (err) {
          if (attempt > 0 || !isConflict(err)) throw err;
          current = await leases.get();
        }
      }
    } catch (err) {
      log.warn({ lease: leaseName, identity, err }, 'could not release the Lease; another replica takes over when it expires');
    }
  };

  let stopping: Promise<void> | undefined;
  return {
    identity,
    isLeader: () => leading,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        wake?.();
        await loop;
        clearTimeout(renewDeadline);
        stopLeading('stopping');
        // The controllers stop before the Lease goes, so they never overlap with the next leader's.
        await callbacks;
        await release();
      })();
      return stopping;
    },
  };
}

function makeClient(options: LeaderElectionOptions, requestTimeoutMs: number): LeaseClient {
  if (!options.kc) throw new Error(`leader election on Lease ${options.namespace}/${options.name}: no KubeConfig given`);
  return leaseClient(options.kc, options.namespace, options.name, requestTimeoutMs);
}
