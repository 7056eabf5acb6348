// Where a local cluster lives and which ports it uses. Everything listens on
// 127.0.0.1; a different ADMISSION_IPAM_CLUSTER_DIR and port base let two clusters
// run side by side.
import { resolve } from 'node:path';

export interface ClusterPorts {
  apiserver: number;
  etcdClient: number;
  etcdPeer: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
  /** admission-ipam's HTTPS webhook and its plain-HTTP health/metrics port. */
  webhook: number;
  health: number;
}

export interface ClusterConfig {
  /** State directory: PKI, kubeconfig, etcd data, logs, PID files. */
  dir: string;
  repoRoot: string;
  ports: ClusterPorts;
  nodeCount: number;
}

export const defaultPortBase = 16443;

export function portsFrom(base: number): ClusterPorts {
  return {
    apiserver: base,
    etcdClient: base + 1,
    etcdPeer: base + 2,
    controllerManager: base + 3,
    scheduler: base + 4,
    kwok: base + 5,
    webhook: base + 6,
    health: base + 7,
  };
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${JSON.stringify(raw)} is not an integer between ${min} and ${max}`);
  }
  return value;
}

export function clusterConfig(env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  const repoRoot = resolve(import.meta.dirname, '..', '..');
  return {
    repoRoot,
    dir: resolve(repoRoot, env.ADMISSION_IPAM_CLUSTER_DIR ?? '.cluster'),
    ports: portsFrom(intFromEnv(env, 'ADMISSION_IPAM_CLUSTER_PORT_BASE', defaultPortBase, 1024, 65000)),
    nodeCount: intFromEnv(env, 'ADMISSION_IPAM_CLUSTER_NODES', 3, 1, 50),
  };
}

export const paths = (dir: string) => ({
  pki: `${dir}/pki`,
  logs: `${dir}/logs`,
  run: `${dir}/run`,
  etcdData: `${dir}/etcd`,
  kubeconfig: `${dir}/kubeconfig`,
  state: `${dir}/cluster.json`,
  kubectl: `${dir}/bin/kubectl`,
  stages: `${dir}/stages.yaml`,
});
