// The whole system on the local control plane: the cluster, our CRDs, and
// `admission-ipam serve` on 127.0.0.1 with webhook configurations calling it by URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ClusterConfig } from './config.js';
import { paths } from './config.js';
import { deployedCredentials, deployedKubeconfig, installLocalOverlay } from './deployed.js';
import { runKubectl } from './kubectl.js';
import { clusterDown, clusterUp, type RunningCluster } from './lifecycle.js';
import { isRunning, recordedDaemons, startDaemon, stopDaemon, tailOfLog } from './processes.js';
import { httpGet, pollUntil } from './wait.js';

export const serverName = 'admission-ipam';
export const systemNamespace = 'admission-ipam-system';

type Log = (message: string) => void;

const kubectl = (cluster: RunningCluster, args: string[], input?: string): string => runKubectl(cluster.kubectl, args, input);

/** Our CRDs, Multus' NAD CRD and our namespace, applied server-side (idempotent). */
export function installResources(config: ClusterConfig, cluster: RunningCluster): void {
  kubectl(cluster, ['apply', '--server-side', '--force-conflicts', '-f', `${config.repoRoot}/deploy/crds/`]);
  kubectl(cluster, ['wait', '--for=condition=Established', '--timeout=60s', '-f', `${config.repoRoot}/deploy/crds/`]);
  kubectl(cluster, ['apply', '--server-side', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${systemNamespace}\n`);
  // Multus' NetworkAttachmentDefinition CRD, so multi-NIC manifests apply on the local cluster (there is no Multus
  // here to act on them; admission reads them to find the interfaces that use our IPAM).
  kubectl(cluster, [
    'apply',
    '--server-side',
    '-f',
    `${config.repoRoot}/tests/fixtures/crds/k8s.cni.cncf.io_network-attachment-definitions.yaml`,
  ]);
}

/** The arguments `admission-ipam serve` runs with on the local control plane. */
export function serveArgs(config: ClusterConfig, kubeconfig = paths(config.dir).kubeconfig): string[] {
  return [
    'serve',
    `--kubeconfig=${kubeconfig}`,
    `--namespace=${systemNamespace}`,
    '--webhook-host=127.0.0.1',
    `--webhook-port=${config.ports.webhook}`,
    '--health-host=127.0.0.1',
    `--health-port=${config.ports.health}`,
    `--webhook-url=https://127.0.0.1:${config.ports.webhook}`,
    // Shorter than the 60 s default so that tests of a Pod refused after admission do not wait a minute; the fake
    // nodes and one local API server see Pods within a second of their admission, far inside it.
    '--pending-reservation-ttl=15s',
  ];
}

/** node running the TypeScript entry point through tsx: no build step between an edit and a run. */
export function serverCommand(config: ClusterConfig, kubeconfig?: string): { binary: string; args: string[] } {
  return {
    binary: process.execPath,
    args: ['--import', 'tsx', `${config.repoRoot}/bin/admission-ipam.ts`, ...serveArgs(config, kubeconfig)],
  };
}

async function serverReady(config: ClusterConfig): Promise<boolean> {
  try {
    return (await httpGet(`http://127.0.0.1:${config.ports.health}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

export function serverRunning(config: ClusterConfig): boolean {
  return recordedDaemons(paths(config.dir).run).some((d) => d.name === serverName && d.running);
}

export interface RunningSystem {
  cluster: RunningCluster;
  /** False when a healthy server was already running and is reused. */
  startedServer: boolean;
}

/** Cluster (reused when healthy), CRDs, and the webhook server in the background (reused when ready). */
export async function systemUp(config: ClusterConfig, log: Log = console.error): Promise<RunningSystem> {
  const cluster = await clusterUp(config, log);
  installResources(config, cluster);
  if (serverRunning(config) && (await serverReady(config))) {
    log(`reusing the running admission-ipam (webhook https://127.0.0.1:${config.ports.webhook})`);
    return { cluster, startedServer: false };
  }
  const p = paths(config.dir);
  await stopDaemon(p.run, serverName);
  let kubeconfig: string | undefined;
  if (deployedCredentials()) {
    // The install's own objects and RBAC, and the server with nothing but its ServiceAccount's token.
    installLocalOverlay(config, cluster.kubectl);
    kubeconfig = deployedKubeconfig(config, cluster.kubectl, systemNamespace);
    log('admission-ipam runs with the token of the deployed ServiceAccount (deploy/overlays/local)');
  }
  const { binary, args } = serverCommand(config, kubeconfig);
  startDaemon(p.run, p.logs, serverName, binary, args);
  await pollUntil('admission-ipam to be ready', 60_000, async () => {
    const daemon = recordedDaemons(p.run).find((d) => d.name === serverName);
    if (!daemon || !isRunning(daemon)) {
      return {
        done: false,
        fatal: true,
        seen: `admission-ipam exited; last lines of ${p.logs}/${serverName}.log:\n${tailOfLog(p.logs, serverName)}`,
      };
    }
    return (await serverReady(config)) ? { done: true, value: undefined } : { done: false, seen: 'not ready yet' };
  });
  log(`admission-ipam is serving (logs: ${p.logs}/${serverName}.log)`);
  return { cluster, startedServer: true };
}

/**
 * Stops the server and removes its webhook configurations: a configuration left behind with failurePolicy Fail
 * would refuse every write of our resources once nothing answers it.
 */
export async function serverDown(config: ClusterConfig, log: Log = console.error): Promise<void> {
  const p = paths(config.dir);
  if (await stopDaemon(p.run, serverName)) log('stopped admission-ipam');
  if (existsSync(p.kubeconfig) && existsSync(p.kubectl)) {
    for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
      spawnSync(p.kubectl, ['delete', kind, serverName, '--ignore-not-found', '--wait=false'], { encoding: 'utf8', timeout: 30_000 });
    }
  }
}

export async function systemDown(config: ClusterConfig, log: Log = console.error): Promise<void> {
  await serverDown(config, log);
  await clusterDown(config, log);
}

/** `npm start`: everything up, the server in the foreground until Ctrl-C. */
export async function systemForeground(config: ClusterConfig, log: Log = console.error): Promise<number> {
  const cluster = await clusterUp(config, log);
  installResources(config, cluster);
  await serverDown(config, () => {});
  log(`starting admission-ipam in the foreground; in another shell: export KUBECONFIG=${cluster.kubeconfig}`);
  const { binary, args } = serverCommand(config);
  const child = spawn(binary, args, { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 0)));
  await serverDown(config, log); // no webhook configuration may outlive the server it calls
  return code;
}
