// `admission-ipam serve` flags: the leader election ones, their defaults, and errors that name the flag.
import { describe, expect, it } from 'vitest';
import { parseServeOptions, serveUsage } from '../../../admission/options.js';

const noEnv = {};

describe('leader election flags', () => {
  it("default to electing, on a Lease in the server's own namespace, with client-go's timing", () => {
    expect(parseServeOptions([], noEnv).leaderElection).toEqual({
      enabled: true,
      namespace: 'admission-ipam-system',
      leaseName: 'admission-ipam-scaler',
      leaseDurationSeconds: 15,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
  });

  it('follow --namespace and POD_NAMESPACE unless given their own namespace', () => {
    expect(parseServeOptions([], { POD_NAMESPACE: 'ipam' }).leaderElection.namespace).toBe('ipam');
    expect(parseServeOptions(['--namespace=kube-ipam'], noEnv).leaderElection.namespace).toBe('kube-ipam');
    expect(parseServeOptions(['--namespace=kube-ipam', '--leader-election-namespace=leases'], noEnv).leaderElection.namespace).toBe(
      'leases',
    );
  });

  it('take every setting', () => {
    const options = parseServeOptions(
      [
        '--leader-elect=false',
        '--leader-election-lease-name=scaler',
        '--leader-election-lease-duration=1m',
        '--leader-election-renew-deadline=40s',
        '--leader-election-retry-period=1500ms',
      ],
      noEnv,
    );
    expect(options.leaderElection).toEqual({
      enabled: false,
      namespace: 'admission-ipam-system',
      leaseName: 'scaler',
      leaseDurationSeconds: 60,
      renewDeadlineMs: 40_000,
      retryPeriodMs: 1500,
    });
  });

  it.each([
    [['--leader-elect=yes'], '--leader-elect=yes: expected true or false'],
    [['--leader-election-retry-period=2x'], '--leader-election-retry-period=2x: expected a duration such as 15s, 500ms, 1.5m or 1h'],
    [['--leader-election-renew-deadline=10 s'], '--leader-election-renew-deadline=10 s: expected a duration'],
    [['--leader-election-lease-duration=1500ms'], '--leader-election-lease-duration=1500ms: expected whole seconds'],
    [
      ['--leader-election-lease-duration=10s'],
      '--leader-election-lease-duration, --leader-election-renew-deadline, --leader-election-retry-period: ' +
        'lease duration 10s must be longer than the renew deadline 10s',
    ],
    [['--leader-election-retry-period=9s'], 'renew deadline 10s must be longer than 1.2 × the retry period 9s'],
    [['--leader-election-retry-period=0s'], 'retry period 0ms: expected > 0'],
  ])('refuse %j', (args, message) => {
    expect(() => parseServeOptions(args, noEnv)).toThrow(message);
  });

  it('are in the usage text', () => {
    for (const flag of [
      '--leader-elect',
      '--leader-election-namespace',
      '--leader-election-lease-name',
      '--leader-election-lease-duration',
      '--leader-election-renew-deadline',
      '--leader-election-retry-period',
    ]) {
      expect(serveUsage).toContain(flag);
    }
  });
});
