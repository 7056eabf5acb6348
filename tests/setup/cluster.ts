// vitest globalSetup for tests that need a real control plane: starts one local
// cluster per test run, or reuses one already running (`npm run cluster:up`), and
// stops only what it started. ADMISSION_IPAM_KEEP_CLUSTER=1 keeps it for the next run.
import type { TestProject } from 'vitest/node';
import { clusterConfig } from '../../cluster/src/config.js';
import { clusterDown, clusterUp } from '../../cluster/src/lifecycle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    kubectl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = clusterConfig();
  const log = (message: string) => console.error(`[cluster] ${message}`);
  const cluster = await clusterUp(config, log);
  process.env.KUBECONFIG = cluster.kubeconfig;
  project.provide('kubeconfig', cluster.kubeconfig);
  project.provide('kubectl', cluster.kubectl);
  return async () => {
    if (cluster.started && process.env.ADMISSION_IPAM_KEEP_CLUSTER !== '1') await clusterDown(config, log);
  };
}
