// Command-line options of `admission-ipam serve`, with defaults a cluster
// install works with, and errors that say which flag and why.
import { parseArgs } from 'node:util';
import { defaultRulesConfig, type RulesConfig } from '../ipam/rules/index.js';
import { defaultLeaderElectionSettings, type LeaderElectionSettings, leaderElectionSettings } from '../kube/leader/index.js';
import type { LogLevel } from './log.js';

/** Only the holder of the Lease runs the controllers; every replica serves the webhooks either way. */
export interface LeaderElectionConfig extends LeaderElectionSettings {
  /** false: this process runs the controllers unconditionally (a single replica, or local runs). */
  enabled: boolean;
  namespace: string;
  leaseName: string;
}

export interface ServeOptions {
  kubeconfig?: string;
  namespace: string;
  webhookHost: string;
  webhookPort: number;
  healthHost: string;
  healthPort: number;
  serviceName: string;
  tlsSecret: string;
  /** Certificates supplied from files (cert-manager) instead of the Secret this process manages. */
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  webhookConfigurationName: string;
  /**
   * When set, install the webhook configurations pointing at this URL (the local control plane, which has no
   * Service network); otherwise only keep the caBundle of the installed ones up to date.
   */
  webhookUrl?: string;
  logLevel: LogLevel;
  rules: RulesConfig;
  /** Users allowed to change a Pod's result annotations. */
  trustedUsers: string[];
  /** Whether eth0 without a NAD takes its address from us: ours | annotated | other. */
  primaryNetwork: 'ours' | 'annotated' | 'other';
  multusNamespace: string;
  multusClusterNetwork?: string;
  /** How long a reservation made at admission waits for its Pod to appear before its address is released. */
  pendingReservationTTLSeconds: number;
  /** Period of the releaser's full scan of every pool. */
  gcIntervalSeconds: number;
  leaderElection: LeaderElectionConfig;
  /** IPs added to the replica count of an automatic pool whose template has no ippool-ip-number (docs/adr/0010). */
  autoPoolDefaultRedundant: number;
}

export const serveUsage = `usage: admission-ipam serve [flags]
  --kubeconfig PATH              kubeconfig (default: in-cluster, then $KUBECONFIG)
  --namespace NS                 namespace of the certificate Secret (default: $POD_NAMESPACE or admission-ipam-system)
  --webhook-host, --webhook-port HTTPS webhook listener (default 0.0.0.0:9443)
  --health-host, --health-port   /healthz, /readyz, /metrics over HTTP (default 0.0.0.0:8081)
  --service-name NAME            Service the API server calls (default admission-ipam-webhook)
  --tls-secret NAME              Secret holding the CA and serving certificate (default admission-ipam-webhook-tls)
  --cert-file, --key-file, --ca-file   serve certificates from files instead (cert-manager)
  --webhook-configuration-name   name of our webhook configurations (default admission-ipam)
  --webhook-url URL              install the webhook configurations calling URL (local control plane)
  --log-level LEVEL              trace|debug|info|warn|error|fatal|silent (default info)
  --service-account NAME         our ServiceAccount, trusted to write Pod results (default admission-ipam)
  --primary-network MODE         does eth0 without a NAD use our IPAM: ours | annotated (the Pod or its Namespace
                                 names pools/subnets) | other (default annotated)
  --multus-namespace NS          where a bare Multus default-network name lives (default kube-system)
  --multus-cluster-network NAD   Multus' clusterNetwork, "ns/name" (default: none)
  --pending-reservation-ttl DUR  release a reservation whose Pod never appeared after DUR (default 60s)
  --gc-interval DUR              full scan of every pool for addresses no Pod holds (default 10m)
  --enable-ipv4, --enable-ipv6, --enable-spider-subnet, --validate-deletion  true|false (default true)
  --leader-elect true|false      run the controllers only on the replica holding a Lease (default true); every
                                 replica serves the webhooks either way
  --leader-election-namespace NS namespace of the Lease (default: the --namespace above)
  --leader-election-lease-name NAME   the Lease (default admission-ipam-scaler)
  --leader-election-lease-duration, --leader-election-renew-deadline, --leader-election-retry-period DUR
                                 election timing (default 15s, 10s, 2s, as client-go)
  --auto-pool-default-redundant-ips N  IPs beyond the replica count of an automatic pool whose Pod template has
                                 no ipam.spidernet.io/ippool-ip-number (default 1)
DUR is a number with a unit ms, s, m or h (500ms, 15s, 1.5m, 1h); a bare number is seconds.`;

function port(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${flag}=${raw}: expected a port number 0-65535`);
  return n;
}

function bool(flag: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`--${flag}=${raw}: expected true or false`);
}

const durationUnits: Record<string, number> = { '': 1000, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go-style duration of one unit (500ms, 2s, 1.5m, 1h) in milliseconds; a bare number is seconds. */
function duration(flag: string, raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw);
  const ms = match ? Math.round(Number(match[1]) * (durationUnits[match[2] ?? ''] ?? 1)) : Number.NaN;
  if (!Number.isSafeInteger(ms)) throw new Error(`--${flag}=${raw}: expected a duration such as 15s, 500ms, 1.5m or 1h`);
  return ms;
}

// Timers of Node hold at most 2^31-1 ms (24.8 days); a week is more than any sensible period here.
const maxPeriodSeconds = 7 * 24 * 3600;

/** A period of the releaser, in whole seconds from 1 to a week. */
function periodSeconds(flag: string, raw: string | undefined, fallbackSeconds: number): number {
  const ms = duration(flag, raw, fallbackSeconds * 1000);
  if (ms % 1000 !== 0 || ms < 1000 || ms > maxPeriodSeconds * 1000) {
    throw new Error(`--${flag}=${raw}: expected whole seconds from 1 second to 7 days, such as 60, 90s, 5m or 1h`);
  }
  return ms / 1000;
}

function leaderElection(values: Record<string, string | undefined>, namespace: string): LeaderElectionConfig {
  const flags = ['leader-election-lease-duration', 'leader-election-renew-deadline', 'leader-election-retry-period'] as const;
  const [leaseDuration, renewDeadline, retryPeriod] = flags.map((flag) => values[flag]);
  const leaseDurationMs = duration(flags[0], leaseDuration, defaultLeaderElectionSettings.leaseDurationSeconds * 1000);
  if (leaseDurationMs % 1000 !== 0) throw new Error(`--${flags[0]}=${leaseDuration}: expected whole seconds (a Lease stores seconds)`);
  const partial = {
    leaseDurationSeconds: leaseDurationMs / 1000,
    renewDeadlineMs: duration(flags[1], renewDeadline, defaultLeaderElectionSettings.renewDeadlineMs),
    retryPeriodMs: duration(flags[2], retryPeriod, defaultLeaderElectionSettings.retryPeriodMs),
  };
  let settings: LeaderElectionSettings;
  try {
    settings = leaderElectionSettings(partial);
  } catch (err) {
    throw new Error(`--${flags.join(', --')}: ${(err as Error).message}`);
  }
  return {
    enabled: bool('leader-elect', values['leader-elect'], true),
    namespace: values['leader-election-namespace'] ?? namespace,
    leaseName: values['leader-election-lease-name'] ?? 'admission-ipam-scaler',
    ...settings,
  };
}

const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function parseServeOptions(args: string[], env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const str = { type: 'string' } as const;
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      kubeconfig: str,
      namespace: str,
      'webhook-host': str,
      'webhook-port': str,
      'health-host': str,
      'health-port': str,
      'service-name': str,
      'tls-secret': str,
      'cert-file': str,
      'key-file': str,
      'ca-file': str,
      'webhook-configuration-name': str,
      'webhook-url': str,
      'log-level': str,
      'service-account': str,
      'primary-network': str,
      'multus-namespace': str,
      'multus-cluster-network': str,
      'enable-ipv4': str,
      'enable-ipv6': str,
      'enable-spider-subnet': str,
      'validate-deletion': str,
      'pending-reservation-ttl': str,
      'gc-interval': str,
      'leader-elect': str,
      'leader-election-namespace': str,
      'leader-election-lease-name': str,
      'leader-election-lease-duration': str,
      'leader-election-renew-deadline': str,
      'leader-election-retry-period': str,
      'auto-pool-default-redundant-ips': str,
    },
  });
  const logLevel = values['log-level'] ?? 'info';
  if (!levels.includes(logLevel)) throw new Error(`--log-level=${logLevel}: expected one of ${levels.join(', ')}`);
  if ((values['cert-file'] === undefined) !== (values['key-file'] === undefined)) {
    throw new Error('--cert-file and --key-file go together');
  }
  const namespace = values.namespace ?? env.POD_NAMESPACE ?? 'admission-ipam-system';
  const primaryNetwork = values['primary-network'] ?? 'annotated';
  if (primaryNetwork !== 'ours' && primaryNetwork !== 'annotated' && primaryNetwork !== 'other') {
    throw new Error(`--primary-network=${primaryNetwork}: expected ours, annotated or other`);
  }
  const redundant = values['auto-pool-default-redundant-ips'] ?? '1';
  if (!/^[0-9]{1,6}$/.test(redundant)) throw new Error(`--auto-pool-default-redundant-ips=${redundant}: expected a whole number ≥ 0`);
  return {
    autoPoolDefaultRedundant: Number(redundant),
    kubeconfig: values.kubeconfig,
    namespace,
    trustedUsers: [`system:serviceaccount:${namespace}:${values['service-account'] ?? 'admission-ipam'}`],
    primaryNetwork,
    multusNamespace: values['multus-namespace'] ?? 'kube-system',
    ...(values['multus-cluster-network'] ? { multusClusterNetwork: values['multus-cluster-network'] } : {}),
    webhookHost: values['webhook-host'] ?? '0.0.0.0',
    webhookPort: port('webhook-port', values['webhook-port'], 9443),
    healthHost: values['health-host'] ?? '0.0.0.0',
    healthPort: port('health-port', values['health-port'], 8081),
    serviceName: values['service-name'] ?? 'admission-ipam-webhook',
    tlsSecret: values['tls-secret'] ?? 'admission-ipam-webhook-tls',
    certFile: values['cert-file'],
    keyFile: values['key-file'],
    caFile: values['ca-file'],
    webhookConfigurationName: values['webhook-configuration-name'] ?? 'admission-ipam',
    webhookUrl: values['webhook-url'],
    logLevel: logLevel as LogLevel,
    pendingReservationTTLSeconds: periodSeconds('pending-reservation-ttl', values['pending-reservation-ttl'], 60),
    gcIntervalSeconds: periodSeconds('gc-interval', values['gc-interval'], 600),
    rules: {
      enableIPv4: bool('enable-ipv4', values['enable-ipv4'], defaultRulesConfig.enableIPv4),
      enableIPv6: bool('enable-ipv6', values['enable-ipv6'], defaultRulesConfig.enableIPv6),
      enableSpiderSubnet: bool('enable-spider-subnet', values['enable-spider-subnet'], defaultRulesConfig.enableSpiderSubnet),
      validateDeletion: bool('validate-deletion', values['validate-deletion'], defaultRulesConfig.validateDeletion),
    },
    leaderElection: leaderElection(values, namespace),
  };
}
