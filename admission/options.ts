// Command-line options of `admission-ipam serve`, with defaults a cluster
// install works with, and errors that say which flag and why.
import { parseArgs } from 'node:util';
import { defaultRulesConfig, type RulesConfig } from '../ipam/rules/index.js';
import type { LogLevel } from './log.js';

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
  /** IPs added to the replica count of an automatic pool whose template has no ippool-ip-number (docs/adr/0008). */
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
  --enable-ipv4, --enable-ipv6, --enable-spider-subnet, --validate-deletion  true|false (default true)
  --auto-pool-default-redundant-ips N  IPs beyond the replica count of an automatic pool whose Pod template has
                                 no ipam.spidernet.io/ippool-ip-number (default 1)`;

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
    rules: {
      enableIPv4: bool('enable-ipv4', values['enable-ipv4'], defaultRulesConfig.enableIPv4),
      enableIPv6: bool('enable-ipv6', values['enable-ipv6'], defaultRulesConfig.enableIPv6),
      enableSpiderSubnet: bool('enable-spider-subnet', values['enable-spider-subnet'], defaultRulesConfig.enableSpiderSubnet),
      validateDeletion: bool('validate-deletion', values['validate-deletion'], defaultRulesConfig.validateDeletion),
    },
  };
}
