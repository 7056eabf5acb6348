// vitest globalSetup for tests that need a real control plane: starts one local
// cluster per test run with our CRDs and `admission-ipam serve` (webhooks by URL),
// or reuses what is already running (`npm run up`), and stops only what it started.
// ADMISSION_IPAM_KEEP_CLUSTER=1 keeps everything for the next run.
// ADMISSION_IPAM_TEST_KUBECONFIG=PATH runs against a cluster with admission-ipam installed already (deploy/kind/):
// nothing is started or stopped, and kubectl is taken from PATH (or ADMISSION_IPAM_TEST_KUBECTL).
import { spawnSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { clusterConfig } from '../../cluster/src/config.js';
import { clusterDown } from '../../cluster/src/lifecycle.js';
import { serverDown, systemUp } from '../../cluster/src/system.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    kubectl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.ADMISSION_IPAM_TEST_KUBECONFIG;
  if (external) {
    process.env.KUBECONFIG = external;
    project.provide('kubeconfig', external);
    project.provide('kubectl', process.env.ADMISSION_IPAM_TEST_KUBECTL ?? 'kubectl');
    return async () => {};
  }
  // The server the tests start runs on the objects and RBAC of deploy/overlays/local, with its ServiceAccount's token
  // (cluster/src/deployed.ts): every test also checks that the deployed permissions suffice. Set
  // ADMISSION_IPAM_SERVER_CREDENTIALS=admin to run it with the cluster admin's certificate instead.
  process.env.ADMISSION_IPAM_SERVER_CREDENTIALS ??= 'deployed';
  const config = clusterConfig();
  const log = (message: string) => console.error(`[cluster] ${message}`);
  // helm, for the test comparing the chart with the kustomize base: built once from the Go module proxy and cached
  // (a no-op afterwards), like the control plane that systemUp builds, so `npm test` works on a fresh machine.
  const helm = spawnSync('bash', [`${config.repoRoot}/deploy/helm/build-helm.sh`], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (helm.status !== 0) throw new Error(`deploy/helm/build-helm.sh failed with exit code ${helm.status}`);
  const system = await systemUp(config, log);
  process.env.KUBECONFIG = system.cluster.kubeconfig;
  project.provide('kubeconfig', system.cluster.kubeconfig);
  project.provide('kubectl', system.cluster.kubectl);
  return async () => {
    if (process.env.ADMISSION_IPAM_KEEP_CLUSTER === '1') return;
    if (system.cluster.started) await clusterDown(config, log);
    else if (system.startedServer) await serverDown(config, log);
  };
}
