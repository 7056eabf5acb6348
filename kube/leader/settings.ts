// Timing of leader election, with client-go's defaults and its consistency checks. Pure.

export interface LeaderElectionSettings {
  /** How long a candidate waits, after it last saw the Lease change, before it takes the Lease over. */
  leaseDurationSeconds: number;
  /** How long the leader keeps leading without a successful renewal. */
  renewDeadlineMs: number;
  /** Time between tries: renewals while leading, reads of the Lease while not. */
  retryPeriodMs: number;
}

/** client-go's defaults (and kube-controller-manager's): 15 s, 10 s, 2 s. */
export const defaultLeaderElectionSettings: LeaderElectionSettings = {
  leaseDurationSeconds: 15,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** client-go's wait.JitterFactor for candidates: a try comes after retryPeriod × (1 + up to 1.2). */
export const candidateJitter = 1.2;

const seconds = (ms: number) => `${ms / 1000}s`;

/**
 * Fills in defaults and checks the relations client-go's NewLeaderElector checks. Each one is what makes two
 * leaders impossible (or at least one retry possible), so nonsense is refused rather than repaired.
 */
export function leaderElectionSettings(partial: Partial<LeaderElectionSettings> = {}): LeaderElectionSettings {
  const s = { ...defaultLeaderElectionSettings, ...partial };
  if (!Number.isInteger(s.leaseDurationSeconds) || s.leaseDurationSeconds < 1) {
    throw new Error(`lease duration ${s.leaseDurationSeconds}s: expected whole seconds, at least 1 (a Lease stores leaseDurationSeconds)`);
  }
  if (!Number.isFinite(s.renewDeadlineMs) || s.renewDeadlineMs <= 0) throw new Error(`renew deadline ${s.renewDeadlineMs}ms: expected > 0`);
  if (!Number.isFinite(s.retryPeriodMs) || s.retryPeriodMs <= 0) throw new Error(`retry period ${s.retryPeriodMs}ms: expected > 0`);
  if (s.leaseDurationSeconds * 1000 <= s.renewDeadlineMs) {
    throw new Error(
      `lease duration ${s.leaseDurationSeconds}s must be longer than the renew deadline ${seconds(s.renewDeadlineMs)}: ` +
        'a leader that cannot renew must stop before another replica may take over',
    );
  }
  if (s.renewDeadlineMs <= candidateJitter * s.retryPeriodMs) {
    throw new Error(
      `renew deadline ${seconds(s.renewDeadlineMs)} must be longer than ${candidateJitter} × the retry period ${seconds(s.retryPeriodMs)}: ` +
        'the leader needs room for more than one try before it gives up',
    );
  }
  return s;
}
