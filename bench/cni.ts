// CNI ADD latency of our plugin against Debian's host-local IPAM plugin, the same call for both: a fresh process, the
// CNI_* environment and a network config on stdin, timed from spawn to exit. Ours reads a Pod and its pools from the
// API server of the local cluster over HTTPS; host-local takes an address from files on local disk. The two are
// interleaved so that machine noise falls on both alike.
//
//   ADMISSION_IPAM_CLUSTER_PORT_BASE=... ADMISSION_IPAM_CLUSTER_DIR=... npm run bench:cni [-- --runs 300] [-- --sea]
//
// --sea also times the single executable (npm run build:cni-sea first). Needs /usr/lib/cni/host-local
// (apt-get install containernetworking-plugins). Starts the local cluster if none runs, and stops what it started.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { clusterConfig } from '../cluster/src/config.js';
import { clusterDown } from '../cluster/src/lifecycle.js';
import { serverDown, systemUp } from '../cluster/src/system.js';
import { bundlePlugin } from '../cni-readback/build.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '200' }, sea: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const hostLocal = '/usr/lib/cni/host-local';
if (!existsSync(hostLocal)) throw new Error(`${hostLocal} is missing: apt-get install containernetworking-plugins`);

const config = clusterConfig();
const log = (m: string) => console.error(`[cluster] ${m}`);
const system = await systemUp(config, log);
const kc = new KubeConfig();
kc.loadFromFile(system.cluster.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const kubectl = (args: string[], input?: string) => {
  const res = spawnSync(system.cluster.kubectl, args, { input, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
};

const suffix = Date.now().toString(36);
const namespace = `bench-cni-${suffix}`;
const pool = `bench-cni-${suffix}`;
const work = mkdtempSync(join(tmpdir(), 'bench-cni-'));
const [bundle] = await bundlePlugin(join(work, 'bin'));
const sea = join(process.cwd(), 'dist', 'cni', 'sea', 'spiderpool');
if (values.sea && !existsSync(sea)) throw new Error(`${sea} is missing: npm run build:cni-sea`);

kubectl(['create', 'namespace', namespace]);
// 172.19.4.0/24: inside the cni-readback tests' 172.19.0.0/16, used by no test.
kubectl(
  ['apply', '-f', '-'],
  `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: ${pool}}\nspec: {subnet: 172.19.4.0/24, ips: ["172.19.4.10-172.19.4.19"], gateway: 172.19.4.1}\n`,
);
await core.createNamespacedPod({
  namespace,
  body: {
    metadata: { name: 'bench', annotations: { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [pool] }) } },
    spec: { containers: [{ name: 'a', image: 'x' }] },
  },
});
const uid = (await core.readNamespacedPod({ namespace, name: 'bench' })).metadata?.uid ?? '';

function call(binary: string, command: 'ADD' | 'DEL', ipam: Record<string, unknown>, containerId: string): { ms: number; stdout: string } {
  const started = process.hrtime.bigint();
  const res = spawnSync(binary, binary === process.execPath ? ['-e', '0'] : [], {
    input: JSON.stringify({ cniVersion: '1.0.0', name: 'bench', type: 'macvlan', master: 'eth1', ipam }),
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      CNI_COMMAND: command,
      CNI_CONTAINERID: containerId,
      CNI_NETNS: '/var/run/netns/bench',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/usr/lib/cni',
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${namespace};K8S_POD_NAME=bench;K8S_POD_UID=${uid}`,
    },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 0 && binary !== process.execPath) throw new Error(`${binary} ${command}: ${res.stdout}${res.stderr}`);
  return { ms, stdout: res.stdout };
}

const ours = { type: 'spiderpool', kubeconfig: system.cluster.kubeconfig };
const local = { type: 'host-local', subnet: '172.19.5.0/24', dataDir: join(work, 'host-local') };
const candidates: Array<[string, string, Record<string, unknown>]> = [
  ['admission-ipam (node bundle)', bundle as string, ours],
  ...(values.sea ? [['admission-ipam (single executable)', sea, ours] as [string, string, Record<string, unknown>]] : []),
  ['host-local', hostLocal, local],
  // Not a plugin: the start and exit of the node binary alone, the floor under any plugin written for Node.
  ['node -e 0 (floor, reference)', process.execPath, {}],
];
const times = new Map<string, number[]>(candidates.map(([name]) => [name, []]));
const sizes = new Map(candidates.map(([name, binary]) => [name, statSync(binary).size]));
try {
  for (let i = -10; i < runs; i++) {
    for (const [name, binary, ipam] of candidates) {
      const id = `bench${i + 10}`;
      const { ms } = call(binary, 'ADD', ipam, id);
      // host-local keeps one address per container ID: give it back, outside the timing.
      if (ipam.type === 'host-local') call(binary, 'DEL', ipam, id);
      if (i >= 0) times.get(name)?.push(ms);
    }
  }
} finally {
  spawnSync(system.cluster.kubectl, ['delete', 'namespace', namespace, '--wait=false']);
  spawnSync(system.cluster.kubectl, [
    'patch',
    `sp/${pool}`,
    '--subresource=status',
    '--type=merge',
    '-p',
    '{"status":{"allocatedIPs":null}}',
  ]);
  spawnSync(system.cluster.kubectl, ['delete', `sp/${pool}`, '--wait=false']);
  rmSync(work, { recursive: true, force: true });
  if (process.env.ADMISSION_IPAM_KEEP_CLUSTER !== '1') {
    if (system.cluster.started) await clusterDown(config, log);
    else if (system.startedServer) await serverDown(config, log);
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const stats = new Map(
  [...times].map(([name, list]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return [name, { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }];
  }),
);
const base = stats.get('host-local') ?? { p50: Number.NaN, p99: Number.NaN };
console.log(`CNI ADD latency, ${runs} calls each (spawn to exit), node ${process.version}`);
console.log('plugin                               p50 ms   p99 ms   p50 ratio  p99 ratio  size');
for (const [name] of candidates) {
  const s = stats.get(name) ?? base;
  const size = `${((sizes.get(name) ?? 0) / 1024).toFixed(0)} KiB`;
  console.log(
    `${name.padEnd(36)} ${s.p50.toFixed(1).padStart(6)}  ${s.p99.toFixed(1).padStart(7)}  ${(s.p50 / base.p50).toFixed(2).padStart(8)}x ${(s.p99 / base.p99).toFixed(2).padStart(8)}x  ${size}`,
  );
}
