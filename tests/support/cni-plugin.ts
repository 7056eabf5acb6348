// Running the built CNI plugin as a runtime runs it: a fresh process, the CNI_* environment, the config on stdin.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePlugin } from '../../cni-readback/build.js';

/** Bundles the plugin into a temporary directory of its own; returns that directory. */
export async function buildPluginForTest(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cni-readback-'));
  await bundlePlugin(dir);
  return dir;
}

export interface PluginCall {
  command: 'ADD' | 'DEL' | 'CHECK' | 'VERSION';
  ifName?: string;
  namespace?: string;
  pod?: string;
  uid?: string;
  netns?: string;
  /** Replaces the whole CNI_ARGS. */
  args?: string;
  config: Record<string, unknown>;
}

export interface PluginRun {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON. */
  json: Record<string, unknown> | undefined;
}

export function netConfig(cniVersion: string, kubeconfig: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { cniVersion, name: 'underlay', type: 'macvlan', master: 'eth1', ipam: { type: 'spiderpool', kubeconfig }, ...extra };
}

export function runPluginBinary(binary: string, call: PluginCall): PluginRun {
  const args =
    call.args ??
    [
      'IgnoreUnknown=1',
      `K8S_POD_NAMESPACE=${call.namespace ?? ''}`,
      `K8S_POD_NAME=${call.pod ?? ''}`,
      'K8S_POD_INFRA_CONTAINER_ID=0123456789abcdef',
      ...(call.uid ? [`K8S_POD_UID=${call.uid}`] : []),
    ].join(';');
  const res = spawnSync(binary, [], {
    input: JSON.stringify(call.config),
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      CNI_COMMAND: call.command,
      CNI_CONTAINERID: '0123456789abcdef',
      CNI_NETNS: call.netns ?? '/var/run/netns/cni-readback-test',
      CNI_IFNAME: call.ifName ?? 'eth0',
      CNI_PATH: '/opt/cni/bin',
      CNI_ARGS: args,
    },
  });
  let json: Record<string, unknown> | undefined;
  try {
    json = res.stdout ? (JSON.parse(res.stdout) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr, json };
}
