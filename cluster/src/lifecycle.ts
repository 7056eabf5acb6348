// Start, reuse, inspect and stop the local control plane: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok, all on 127.0.0.1.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { type ClusterConfig, type ClusterPorts, paths } from './config.js';
import { fakeNode, fakeNodeName } from './nodes.js';
import { ensurePki, kubeconfigYaml, pkiFiles } from './pki.js';
import { isRunning, recordedDaemons, startDaemon, stopDaemon, tailOfLog } from './processes.js';
import { httpGet, httpsGet, pollUntil } from './wait.js';

/** Start order; stopped in reverse. */
export const components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
/** Listed by `status` besides the components: started by system.ts. */
const otherDaemons = ['admission-ipam'];

const serviceClusterIPRange = '10.96.0.0/16';
const kubernetesServiceIP = '10.96.0.1';
const kwokPodCidr = '10.244.0.0/16';

export interface ClusterState {
  binDir: string;
  ports: ClusterPorts;
  nodes: string[];
  startedAt: string;
}

export interface RunningCluster {
  kubeconfig: string;
  kubectl: string;
  state: ClusterState;
  /** False when `up` found a healthy cluster and reused it. */
  started: boolean;
}

type Log = (message: string) => void;

/** Runs cluster/build.sh (a no-op when the cache is warm) and returns the binary directory. */
export function buildBinaries(config: ClusterConfig): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [`${config.repoRoot}/cluster/build.sh`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const binDir = out.trim().split('\n').pop() ?? '';
      if (code === 0 && existsSync(`${binDir}/k8s`)) resolve(binDir);
      else reject(new Error(`cluster/build.sh failed with exit code ${code}`));
    });
  });
}

function readState(config: ClusterConfig): ClusterState | undefined {
  const file = paths(config.dir).state;
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
}

async function apiserverReady(config: ClusterConfig, port: number): Promise<boolean> {
  const pki = pkiFiles(paths(config.dir).pki);
  try {
    const res = await httpsGet(`https://127.0.0.1:${port}/readyz`, {
      ca: readFileSync(pki.ca),
      cert: readFileSync(pki.adminCert),
      key: readFileSync(pki.adminKey),
    });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** A cluster is healthy when every component recorded is running and the API server is ready. */
export async function healthyCluster(config: ClusterConfig): Promise<ClusterState | undefined> {
  const state = readState(config);
  if (!state) return undefined;
  const daemons = recordedDaemons(paths(config.dir).run);
  const allRunning = components.every((c) => daemons.some((d) => d.name === c && d.running));
  if (!allRunning) return undefined;
  return (await apiserverReady(config, state.ports.apiserver)) ? state : undefined;
}

async function portInUse(port: number): Promise<boolean> {
  try {
    await httpGet(`http://127.0.0.1:${port}/`, 500);
    return true;
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    return code !== 'ECONNREFUSED';
  }
}

function componentArgs(config: ClusterConfig): Record<(typeof components)[number], string[]> {
  const p = paths(config.dir);
  const pki = pkiFiles(p.pki);
  const { ports } = config;
  return {
    etcd: [
      '--name=local',
      `--data-dir=${p.etcdData}`,
      `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=local=http://127.0.0.1:${ports.etcdPeer}`,
      // Test data is disposable; skipping fsync makes etcd fast on a shared disk.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    'kube-apiserver': [
      `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${ports.apiserver}`,
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.ca}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${serviceClusterIPRange}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      '--profiling=false',
      `--cert-dir=${p.pki}`,
    ],
    'kube-controller-manager': [
      `--kubeconfig=${p.kubeconfig}`,
      `--authentication-kubeconfig=${p.kubeconfig}`,
      `--authorization-kubeconfig=${p.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.controllerManager}`,
      `--cert-dir=${p.pki}/kcm`,
      '--leader-elect=false',
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.ca}`,
      '--use-service-account-credentials=true',
      `--cluster-signing-cert-file=${pki.ca}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      `--service-cluster-ip-range=${serviceClusterIPRange}`,
      '--profiling=false',
    ],
    'kube-scheduler': [
      `--kubeconfig=${p.kubeconfig}`,
      `--authentication-kubeconfig=${p.kubeconfig}`,
      `--authorization-kubeconfig=${p.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.scheduler}`,
      `--cert-dir=${p.pki}/scheduler`,
      '--leader-elect=false',
      '--profiling=false',
    ],
    kwok: [
      `--kubeconfig=${p.kubeconfig}`,
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--config=${p.stages}`,
      `--cidr=${kwokPodCidr}`,
      '--node-ip=127.0.0.1',
      '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${ports.kwok}`,
    ],
  };
}

function binaryOf(binDir: string, component: (typeof components)[number]): string {
  return `${binDir}/${component}`;
}

function writeStages(config: ClusterConfig): void {
  const dir = `${config.repoRoot}/cluster/stages`;
  const files = ['node-ready.yaml', 'pod-running.yaml', 'pod-succeeded.yaml', 'pod-deleted.yaml'];
  writeFileSync(paths(config.dir).stages, files.map((f) => readFileSync(`${dir}/${f}`, 'utf8')).join('\n---\n'));
}

function writeKubectl(config: ClusterConfig, binDir: string): void {
  const p = paths(config.dir);
  mkdirSync(`${config.dir}/bin`, { recursive: true });
  writeFileSync(
    p.kubectl,
    `#!/bin/sh\n# kubectl for the local cluster in ${config.dir}\nexec "${binDir}/kubectl" --kubeconfig="${p.kubeconfig}" "$@"\n`,
    {
      mode: 0o755,
    },
  );
}

async function waitForComponent(config: ClusterConfig, component: (typeof components)[number], binDir: string): Promise<void> {
  const { ports } = config;
  const p = paths(config.dir);
  const probes: Record<(typeof components)[number], () => Promise<boolean>> = {
    etcd: async () => (await httpGet(`http://127.0.0.1:${ports.etcdClient}/health`)).status === 200,
    'kube-apiserver': () => apiserverReady(config, ports.apiserver),
    // Their serving certificates are self-signed at start; /healthz is allowed anonymously.
    'kube-controller-manager': async () => (await httpsGet(`https://127.0.0.1:${ports.controllerManager}/healthz`, {})).status === 200,
    'kube-scheduler': async () => (await httpsGet(`https://127.0.0.1:${ports.scheduler}/healthz`, {})).status === 200,
    kwok: async () => (await httpGet(`http://127.0.0.1:${ports.kwok}/healthz`)).status === 200,
  };
  await pollUntil(`${component} to become healthy`, 60_000, async () => {
    const daemon = recordedDaemons(p.run).find((d) => d.name === component);
    if (!daemon || !isRunning({ pid: daemon.pid, binary: binaryOf(binDir, component) })) {
      return {
        done: false,
        fatal: true,
        seen: `${component} exited; last lines of ${p.logs}/${component}.log:\n${tailOfLog(p.logs, component)}`,
      };
    }
    return (await probes[component]()) ? { done: true, value: undefined } : { done: false, seen: `${component} not healthy yet` };
  });
}

async function createNodesAndWait(config: ClusterConfig, log: Log): Promise<string[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(paths(config.dir).kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const names: string[] = [];
  for (let i = 0; i < config.nodeCount; i++) {
    const node = fakeNode(i, config.nodeCount);
    await core.createNode({ body: node });
    names.push(fakeNodeName(i));
  }
  log(`created ${names.length} fake nodes; waiting for them to be Ready`);
  await pollUntil('fake nodes to be Ready', 60_000, async () => {
    const list = await core.listNode();
    const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length >= names.length
      ? { done: true, value: undefined }
      : { done: false, seen: `${ready.length} of ${names.length} nodes Ready` };
  });
  // The controller-manager creates the namespace's default ServiceAccount; Pods cannot be created before it exists.
  await pollUntil('the default ServiceAccount', 60_000, async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
    return { done: true, value: undefined };
  });
  return names;
}

export async function clusterUp(config: ClusterConfig, log: Log = console.error): Promise<RunningCluster> {
  const p = paths(config.dir);
  const existing = await healthyCluster(config);
  if (existing) {
    log(`reusing the healthy cluster in ${config.dir} (API server https://127.0.0.1:${existing.ports.apiserver})`);
    return { kubeconfig: p.kubeconfig, kubectl: p.kubectl, state: existing, started: false };
  }
  const binDir = await buildBinaries(config);
  // Something recorded but unhealthy: stop what is left of it and start clean.
  await clusterDown(config, () => {});
  for (const [name, port] of Object.entries(config.ports)) {
    if (await portInUse(port)) {
      throw new Error(
        `port ${port} (${name}) on 127.0.0.1 is already in use by another process; stop it, or choose other ports with ADMISSION_IPAM_CLUSTER_PORT_BASE`,
      );
    }
  }
  const started = Date.now();
  mkdirSync(config.dir, { recursive: true });
  ensurePki(p.pki, kubernetesServiceIP);
  writeFileSync(p.kubeconfig, kubeconfigYaml(`https://127.0.0.1:${config.ports.apiserver}`, pkiFiles(p.pki)), { mode: 0o600 });
  writeStages(config);
  writeKubectl(config, binDir);
  const args = componentArgs(config);
  for (const component of components) {
    startDaemon(p.run, p.logs, component, binaryOf(binDir, component), args[component]);
    await waitForComponent(config, component, binDir);
    log(`${component} is up (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  }
  const nodes = await createNodesAndWait(config, log);
  const state: ClusterState = { binDir, ports: config.ports, nodes, startedAt: new Date().toISOString() };
  writeFileSync(p.state, `${JSON.stringify(state, null, 2)}\n`);
  log(`cluster ready in ${((Date.now() - started) / 1000).toFixed(1)}s: export KUBECONFIG=${p.kubeconfig}`);
  return { kubeconfig: p.kubeconfig, kubectl: p.kubectl, state, started: true };
}

/** Stops exactly the processes recorded in the state directory, newest first, then removes the state. */
export async function clusterDown(config: ClusterConfig, log: Log = console.error): Promise<void> {
  const run = paths(config.dir).run;
  for (const component of [...otherDaemons, ...[...components].reverse()]) {
    if (await stopDaemon(run, component)) log(`stopped ${component}`);
  }
  rmSync(config.dir, { recursive: true, force: true });
}

export async function clusterStatus(config: ClusterConfig): Promise<string> {
  const state = readState(config);
  const daemons = recordedDaemons(paths(config.dir).run);
  if (!state && daemons.length === 0) return `no cluster in ${config.dir}`;
  const lines = [`cluster in ${config.dir}`];
  for (const component of [...components, ...otherDaemons]) {
    const d = daemons.find((x) => x.name === component);
    lines.push(`  ${component.padEnd(24)} ${d ? `${d.running ? 'running' : 'NOT RUNNING'} pid ${d.pid}` : 'not started'}`);
  }
  if (state) {
    const ready = await apiserverReady(config, state.ports.apiserver);
    lines.push(`  API server               https://127.0.0.1:${state.ports.apiserver} (${ready ? 'ready' : 'NOT READY'})`);
    lines.push(`  etcd                     http://127.0.0.1:${state.ports.etcdClient}`);
    lines.push(`  nodes                    ${state.nodes.join(', ')}`);
    lines.push(`  kubeconfig               ${paths(config.dir).kubeconfig}`);
    lines.push(`  kubectl                  ${paths(config.dir).kubectl}`);
    lines.push(`  binaries                 ${state.binDir}`);
  }
  return lines.join('\n');
}
