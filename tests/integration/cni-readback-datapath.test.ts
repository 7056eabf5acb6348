// The real data path: Debian's macvlan plugin (containernetworking-plugins) as the main plugin, our plugin as its IPAM,
// called exactly as a runtime calls them. Two network namespaces made here play two Pods' sandboxes; a veth pair made
// here is the "underlay" parent of their macvlan interfaces. Each Pod's namespace gets the addresses the webhook
// assigned, the routes recorded, and the two Pods ping each other over IPv4 and IPv6. CHECK and DEL go through macvlan
// too. pod-a's IPAM is the bundle run by node, pod-b's the single executable built here. Needs root and the plugins:
// it installs the plugins (and ping) when missing, and fails, never skips, otherwise.
// CIDRs: 172.19.3.0/24 and fd19::1:0:0:0/80, inside the cni-readback tests' 172.19.0.0/16 and fd19::/64.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildSea } from '../../cni-readback/build.js';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';
import { buildPluginForTest } from '../support/cni-plugin.js';
import { resultShapeProblems } from '../support/cni-shapes.js';

const { core } = clients();
const suffix = randomBytes(3).toString('hex');
const cniDir = '/usr/lib/cni';
const pools = { v4: `cnidp-v4-${suffix}`, v6: `cnidp-v6-${suffix}` };
const parent = `cnidp${suffix}p`; // the macvlan parent, in this (the "node's") network namespace
const peer = `cnidp${suffix}q`;
const lan = `cnidp-${suffix}-lan`; // the other end of the underlay
const pods = [
  { name: 'pod-a', netns: `cnidp-${suffix}-a`, cniVersion: '1.0.0', v4: '172.19.3.10', v6: 'fd19::1:0:0:a', plugin: 'bundle' },
  { name: 'pod-b', netns: `cnidp-${suffix}-b`, cniVersion: '0.3.1', v4: '172.19.3.11', v6: 'fd19::1:0:0:b', plugin: 'sea' },
];
const pluginDirs = { bundle: '', sea: '' };
let work = '';
let namespace = '';

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
const quietly = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' });

/** Root, the plugins and ping: installed when missing (CI runs as root), a clear failure otherwise. */
function ensureTools(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('this test creates network namespaces and links: run it as root (.ci/run does)');
  }
  const missing = [
    !existsSync(join(cniDir, 'macvlan')) && 'containernetworking-plugins',
    !commandExists('ping') && 'iputils-ping',
    !commandExists('ip') && 'iproute2',
  ].filter((p): p is string => typeof p === 'string');
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { env, encoding: 'utf8' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { env, encoding: 'utf8' });
  if (update.status !== 0 || install.status !== 0 || !existsSync(join(cniDir, 'macvlan'))) {
    throw new Error(`could not install ${missing.join(', ')} with apt-get: ${install.stderr || update.stderr}`);
  }
}

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function cni(command: 'ADD' | 'CHECK' | 'DEL', pod: (typeof pods)[number], uid: string, extra: Record<string, unknown> = {}) {
  const config = {
    cniVersion: pod.cniVersion,
    name: 'underlay',
    type: 'macvlan',
    master: parent,
    mode: 'bridge',
    ipam: { type: 'spiderpool', kubeconfig: inject('kubeconfig') },
    ...extra,
  };
  const res = spawnSync(join(cniDir, 'macvlan'), [], {
    input: JSON.stringify(config),
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      CNI_COMMAND: command,
      CNI_CONTAINERID: `cnidp${suffix}${pod.name}`,
      CNI_NETNS: `/var/run/netns/${pod.netns}`,
      CNI_IFNAME: 'eth0',
      // Our plugin first, as `spiderpool`; macvlan finds its IPAM plugin by the ipam type on this path.
      CNI_PATH: `${pluginDirs[pod.plugin as keyof typeof pluginDirs]}:${cniDir}`,
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${namespace};K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=c;K8S_POD_UID=${uid}`,
    },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

const uids = new Map<string, string>();
const added = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  ensureTools();
  work = await buildPluginForTest();
  pluginDirs.bundle = work;
  pluginDirs.sea = join(work, 'sea');
  buildSea(join(work, 'spiderpool'), pluginDirs.sea);
  namespace = await createTestNamespace(core, 'cnidp');
  const apply = kubectl(
    ['apply', '-f', '-'],
    `apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderIPPool
metadata: {name: ${pools.v4}}
spec: {subnet: 172.19.3.0/24, ips: ["172.19.3.10-172.19.3.19"], gateway: 172.19.3.1, routes: [{dst: 172.19.201.0/24, gw: 172.19.3.254}]}
---
apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderIPPool
metadata: {name: ${pools.v6}}
spec: {subnet: "fd19::1:0:0:0/80", ips: ["fd19::1:0:0:a-fd19::1:0:0:13"], gateway: "fd19::1:0:0:1"}
`,
  );
  if (apply.status !== 0) throw new Error(apply.stderr);
  for (const pod of pods) {
    // One after the other, so pod-a gets the lowest address of each pool.
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: pod.name, annotations: { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [pools.v4], ipv6: [pools.v6] }) } },
        spec: { containers: [{ name: 'a', image: 'x' }] },
      },
    });
    uids.set(pod.name, (await core.readNamespacedPod({ namespace, name: pod.name })).metadata?.uid ?? '');
  }
  run('ip', ['netns', 'add', lan]);
  run('ip', ['link', 'add', parent, 'type', 'veth', 'peer', 'name', peer, 'netns', lan]);
  run('ip', ['link', 'set', parent, 'up']);
  run('ip', ['-n', lan, 'link', 'set', peer, 'up']);
  for (const pod of pods) {
    run('ip', ['netns', 'add', pod.netns]);
    run('ip', ['-n', pod.netns, 'link', 'set', 'lo', 'up']);
  }
});

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
  for (const pod of pods) quietly('ip', ['netns', 'delete', pod.netns]);
  quietly('ip', ['link', 'delete', parent]);
  quietly('ip', ['netns', 'delete', lan]);
  for (const pool of Object.values(pools)) {
    kubectl(['patch', `sp/${pool}`, '--subresource=status', '--type=merge', '-p', '{"status":{"allocatedIPs":null}}']);
    kubectl(['delete', `sp/${pool}`, '--ignore-not-found', '--wait=false']);
  }
});

describe('macvlan with cni-readback as its IPAM, in network namespaces', () => {
  it('gives each Pod namespace the addresses the webhook assigned and the recorded routes', () => {
    for (const pod of pods) {
      const res = cni('ADD', pod, uids.get(pod.name) ?? '');
      expect(res.status, `${pod.name}: ${res.stdout}${res.stderr}`).toBe(0);
      const result = JSON.parse(res.stdout) as Record<string, unknown>;
      // macvlan's own result (interfaces, IPs tied to them) in the config's version.
      expect(resultShapeProblems(result, pod.cniVersion)).toEqual([]);
      added.set(pod.name, result);
      const addrs = JSON.parse(run('ip', ['-n', pod.netns, '-j', 'addr', 'show', 'dev', 'eth0'])) as Array<{
        addr_info: Array<{ family: string; local: string; prefixlen: number; scope: string }>;
      }>;
      const global = (addrs[0]?.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`);
      expect(global.sort()).toEqual([`${pod.v4}/24`, `${pod.v6}/80`].sort());
      const v4routes = run('ip', ['-n', pod.netns, '-4', 'route', 'show']);
      expect(v4routes).toContain('default via 172.19.3.1 dev eth0');
      expect(v4routes).toContain('172.19.201.0/24 via 172.19.3.254 dev eth0');
      expect(run('ip', ['-n', pod.netns, '-6', 'route', 'show'])).toContain('default via fd19::1:0:0:1 dev eth0');
    }
  });

  it('lets the two Pods ping each other over IPv4 and IPv6', async () => {
    const [a, b] = pods as [(typeof pods)[number], (typeof pods)[number]];
    for (const pod of pods) {
      // IPv6 addresses answer only once duplicate address detection is over.
      await pollUntil(`${pod.name}'s IPv6 address to leave the tentative state`, 15_000, async () => {
        const tentative = run('ip', ['-n', pod.netns, '-6', 'addr', 'show', 'dev', 'eth0', 'tentative']).trim();
        return tentative === '' ? { done: true, value: undefined } : { done: false, seen: tentative };
      });
    }
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      for (const address of [to.v4, to.v6]) {
        const ping = spawnSync('ip', ['netns', 'exec', from.netns, 'ping', '-c', '2', '-W', '2', address], { encoding: 'utf8' });
        expect(ping.status, `${from.name} -> ${to.name} ${address}: ${ping.stdout}${ping.stderr}`).toBe(0);
      }
    }
  });

  it('passes CHECK through macvlan (1.0.0, prevResult from ADD)', () => {
    const pod = pods[0] as (typeof pods)[number];
    const res = cni('CHECK', pod, uids.get(pod.name) ?? '', { prevResult: added.get(pod.name) });
    expect(res.status, res.stdout + res.stderr).toBe(0);
  });

  it('tears the interfaces down on DEL, leaves the reservations to the controller, and DEL again succeeds', () => {
    const before = kubectl(['get', `sp/${pools.v4}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout;
    for (const pod of pods) {
      for (let i = 0; i < 2; i++) {
        const res = cni('DEL', pod, uids.get(pod.name) ?? '');
        expect(res.status, res.stdout + res.stderr).toBe(0);
      }
      expect(spawnSync('ip', ['-n', pod.netns, 'link', 'show', 'eth0']).status).not.toBe(0);
    }
    expect(kubectl(['get', `sp/${pools.v4}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout).toBe(before);
  });
});
