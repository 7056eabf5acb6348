// `admission-ipam serve` flags: the defaults a cluster install works with, and errors naming the flag, the value and
// what was expected.
import { describe, expect, it } from 'vitest';
import { parseServeOptions, serveUsage } from '../../../admission/options.js';

const parse = (args: string[], env: NodeJS.ProcessEnv = {}) => parseServeOptions(args, env);

describe('parseServeOptions defaults', () => {
  it('gives every default without flags or environment', () => {
    expect(parse([])).toEqual({
      kubeconfig: undefined,
      namespace: 'admission-ipam-system',
      trustedUsers: ['system:serviceaccount:admission-ipam-system:admission-ipam'],
      primaryNetwork: 'annotated',
      multusNamespace: 'kube-system',
      webhookHost: '0.0.0.0',
      webhookPort: 9443,
      healthHost: '0.0.0.0',
      healthPort: 8081,
      serviceName: 'admission-ipam-webhook',
      tlsSecret: 'admission-ipam-webhook-tls',
      certFile: undefined,
      keyFile: undefined,
      caFile: undefined,
      webhookConfigurationName: 'admission-ipam',
      webhookUrl: undefined,
      logLevel: 'info',
      pendingReservationTTLSeconds: 60,
      gcIntervalSeconds: 600,
      autoPoolDefaultRedundant: 1,
      rules: { enableIPv4: true, enableIPv6: true, enableSpiderSubnet: true, validateDeletion: true },
      leaderElection: {
        enabled: true,
        namespace: 'admission-ipam-system',
        leaseName: 'admission-ipam-scaler',
        leaseDurationSeconds: 15,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      },
    });
  });

  it('has no multusClusterNetwork key unless one is given', () => {
    expect('multusClusterNetwork' in parse([])).toBe(false);
    expect('multusClusterNetwork' in parse(['--multus-cluster-network='])).toBe(false);
  });

  it('takes the namespace from POD_NAMESPACE, and the flag over it', () => {
    expect(parse([], { POD_NAMESPACE: 'ipam' }).namespace).toBe('ipam');
    expect(parse(['--namespace', 'flag-ns'], { POD_NAMESPACE: 'ipam' }).namespace).toBe('flag-ns');
  });

  it('reads the process environment when none is given', () => {
    const saved = process.env.POD_NAMESPACE;
    process.env.POD_NAMESPACE = 'from-process';
    try {
      expect(parseServeOptions([]).namespace).toBe('from-process');
    } finally {
      if (saved === undefined) delete process.env.POD_NAMESPACE;
      else process.env.POD_NAMESPACE = saved;
    }
  });
});

describe('parseServeOptions flags', () => {
  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const options = parse([
      '--kubeconfig',
      '/etc/kube/config',
      '--namespace=ipam',
      '--webhook-host',
      '127.0.0.1',
      '--webhook-port=10443',
      '--health-host=::',
      '--health-port',
      '0',
      '--service-name=svc',
      '--tls-secret',
      'tls',
      '--cert-file=/c.pem',
      '--key-file=/k.pem',
      '--ca-file=/ca.pem',
      '--webhook-configuration-name=ours',
      '--webhook-url=https://10.0.0.1:9443',
      '--log-level=debug',
      '--service-account=sa',
      '--primary-network=ours',
      '--multus-namespace=multus',
      '--multus-cluster-network=kube-system/calico',
      '--enable-ipv4=false',
      '--enable-ipv6=true',
      '--enable-spider-subnet=false',
      '--validate-deletion=false',
      '--pending-reservation-ttl=90s',
      '--gc-interval',
      '5m',
      '--auto-pool-default-redundant-ips=0',
      '--leader-elect=false',
      '--leader-election-namespace=elections',
      '--leader-election-lease-name=mine',
      '--leader-election-lease-duration=30s',
      '--leader-election-renew-deadline=20s',
      '--leader-election-retry-period=500ms',
    ]);
    expect(options).toEqual({
      kubeconfig: '/etc/kube/config',
      namespace: 'ipam',
      trustedUsers: ['system:serviceaccount:ipam:sa'],
      primaryNetwork: 'ours',
      multusNamespace: 'multus',
      multusClusterNetwork: 'kube-system/calico',
      webhookHost: '127.0.0.1',
      webhookPort: 10443,
      healthHost: '::',
      healthPort: 0,
      serviceName: 'svc',
      tlsSecret: 'tls',
      certFile: '/c.pem',
      keyFile: '/k.pem',
      caFile: '/ca.pem',
      webhookConfigurationName: 'ours',
      webhookUrl: 'https://10.0.0.1:9443',
      logLevel: 'debug',
      pendingReservationTTLSeconds: 90,
      gcIntervalSeconds: 300,
      autoPoolDefaultRedundant: 0,
      rules: { enableIPv4: false, enableIPv6: true, enableSpiderSubnet: false, validateDeletion: false },
      leaderElection: {
        enabled: false,
        namespace: 'elections',
        leaseName: 'mine',
        leaseDurationSeconds: 30,
        renewDeadlineMs: 20_000,
        retryPeriodMs: 500,
      },
    });
  });

  it.each(['ours', 'annotated', 'other'])('accepts --primary-network=%s', (mode) => {
    expect(parse([`--primary-network=${mode}`]).primaryNetwork).toBe(mode);
  });

  it.each(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])('accepts --log-level=%s', (level) => {
    expect(parse([`--log-level=${level}`]).logLevel).toBe(level);
  });

  it.each([
    ['--webhook-port', '0', 0],
    ['--webhook-port', '65535', 65535],
    ['--health-port', '8080', 8080],
  ])('accepts %s=%s', (flag, value, expected) => {
    const options = parse([`${flag}=${value}`]);
    expect(flag === '--webhook-port' ? options.webhookPort : options.healthPort).toBe(expected);
  });
});

describe('durations: --pending-reservation-ttl and --gc-interval', () => {
  it.each([
    ['1', 1],
    ['90', 90],
    ['90s', 90],
    ['5m', 300],
    ['1h', 3600],
    ['24h', 86_400],
    ['007', 7],
    ['1.5m', 90],
    ['2000ms', 2],
  ])('%s is %i seconds', (raw, seconds) => {
    expect(parse([`--pending-reservation-ttl=${raw}`]).pendingReservationTTLSeconds).toBe(seconds);
    expect(parse([`--gc-interval=${raw}`]).gcIntervalSeconds).toBe(seconds);
  });

  it('keeps the two durations apart', () => {
    const options = parse(['--pending-reservation-ttl=2m', '--gc-interval=1h']);
    expect(options.pendingReservationTTLSeconds).toBe(120);
    expect(options.gcIntervalSeconds).toBe(3600);
  });

  it.each(['', '-5', '5M', '1d', ' 5m', '5m ', 'm', '1e3', '99999999999999999999h'])(
    'refuses "%s", which is no duration, naming the flag and the value',
    (raw) => {
      for (const flag of ['pending-reservation-ttl', 'gc-interval']) {
        expect(() => parse([`--${flag}=${raw}`])).toThrow(`--${flag}=${raw}: expected a duration such as 15s, 500ms, 1.5m or 1h`);
      }
    },
  );

  it.each(['0', '0s', '0h', '5ms', '1500ms', '0.5s', '169h'])('refuses "%s", not whole seconds from 1 s to 7 days', (raw) => {
    for (const flag of ['pending-reservation-ttl', 'gc-interval']) {
      expect(() => parse([`--${flag}=${raw}`])).toThrow(
        `--${flag}=${raw}: expected whole seconds from 1 second to 7 days, such as 60, 90s, 5m or 1h`,
      );
    }
  });
});

describe('parseServeOptions errors', () => {
  it.each([
    ['--webhook-port=70000', '--webhook-port=70000: expected a port number 0-65535'],
    ['--webhook-port=-1', '--webhook-port=-1: expected a port number 0-65535'],
    ['--health-port=80.5', '--health-port=80.5: expected a port number 0-65535'],
    ['--health-port=http', '--health-port=http: expected a port number 0-65535'],
    ['--enable-ipv4=yes', '--enable-ipv4=yes: expected true or false'],
    ['--enable-ipv6=1', '--enable-ipv6=1: expected true or false'],
    ['--enable-spider-subnet=TRUE', '--enable-spider-subnet=TRUE: expected true or false'],
    ['--validate-deletion=', '--validate-deletion=: expected true or false'],
    ['--log-level=verbose', '--log-level=verbose: expected one of trace, debug, info, warn, error, fatal, silent'],
    ['--primary-network=all', '--primary-network=all: expected ours, annotated or other'],
  ])('%s -> %s', (arg, message) => {
    expect(() => parse([arg])).toThrow(message);
  });

  it.each([['--cert-file=/c.pem'], ['--key-file=/k.pem']])('refuses %s alone: certificate and key go together', (arg) => {
    expect(() => parse([arg])).toThrow('--cert-file and --key-file go together');
  });

  it('accepts --ca-file alone (the CA of the files is optional)', () => {
    expect(parse(['--ca-file=/ca.pem']).caFile).toBe('/ca.pem');
  });

  it('refuses an unknown flag', () => {
    expect(() => parse(['--gc-intervall=5m'])).toThrow(/gc-intervall/);
  });

  it('refuses a positional argument', () => {
    expect(() => parse(['serve'])).toThrow(/serve/);
  });

  it('refuses a value flag given without its value', () => {
    expect(() => parse(['--gc-interval'])).toThrow(/gc-interval/);
  });
});

describe('serveUsage', () => {
  it.each([
    '--kubeconfig',
    '--namespace',
    '--webhook-host',
    '--webhook-port',
    '--health-host',
    '--health-port',
    '--service-name',
    '--tls-secret',
    '--cert-file',
    '--key-file',
    '--ca-file',
    '--webhook-configuration-name',
    '--webhook-url',
    '--log-level',
    '--service-account',
    '--primary-network',
    '--multus-namespace',
    '--multus-cluster-network',
    '--pending-reservation-ttl',
    '--gc-interval',
    '--enable-ipv4',
    '--enable-ipv6',
    '--enable-spider-subnet',
    '--validate-deletion',
  ])('documents %s, which the parser accepts', (flag) => {
    expect(serveUsage).toContain(flag);
    expect(() => parse([`${flag}=x`])).not.toThrow(/Unknown option/);
  });

  it('documents the duration defaults the parser applies', () => {
    expect(serveUsage).toMatch(/--pending-reservation-ttl DUR .*\(default 60s\)/);
    expect(serveUsage).toMatch(/--gc-interval DUR .*\(default 10m\)/);
    expect(parse([]).pendingReservationTTLSeconds).toBe(60);
    expect(parse([]).gcIntervalSeconds).toBe(10 * 60);
  });
});
