// The server with the credentials a real install gives it: `kubectl apply -k` of deploy/overlays/local (its webhook
// URLs pointed at this cluster's port), then a kubeconfig whose only credential is a token of the ServiceAccount that
// install created. With ADMISSION_IPAM_SERVER_CREDENTIALS=deployed, systemUp starts the server this way, so a whole
// test run goes through the deployed RBAC instead of the cluster admin's certificate.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { type ClusterConfig, defaultPortBase, paths, portsFrom } from './config.js';
import { runKubectl } from './kubectl.js';

/** Whether the server runs with the deployed ServiceAccount's token (the environment says so). */
export const deployedCredentials = (env: NodeJS.ProcessEnv = process.env): boolean => env.ADMISSION_IPAM_SERVER_CREDENTIALS === 'deployed';

/** The webhook URL the committed overlay names: the default port base's (deploy/render.ts writes it). */
const committedURL = `https://127.0.0.1:${portsFrom(defaultPortBase).webhook}`;

/** deploy/overlays/local copied to `copy`, its webhook URLs pointed at this cluster's port; returns `copy`. */
export function writeLocalOverlay(config: ClusterConfig, copy: string): string {
  const overlay = resolve(config.repoRoot, 'deploy/overlays/local');
  mkdirSync(copy, { recursive: true });
  const url = `https://127.0.0.1:${config.ports.webhook}`;
  for (const file of readdirSync(overlay)) {
    let text = readFileSync(resolve(overlay, file), 'utf8').replaceAll(committedURL, url);
    if (file === 'kustomization.yaml') text = text.replace('../../base', relative(copy, resolve(config.repoRoot, 'deploy/base')));
    writeFileSync(resolve(copy, file), text);
  }
  return copy;
}

/** Applies deploy/overlays/local, copied next to the cluster's state with this cluster's webhook port. */
export function installLocalOverlay(config: ClusterConfig, kubectl: string): void {
  runKubectl(kubectl, [
    'apply',
    '--server-side',
    '--force-conflicts',
    '-k',
    writeLocalOverlay(config, resolve(config.dir, 'deployed-overlay')),
  ]);
}

/** A kubeconfig for this cluster holding only a bound token (2 hours) of the deployed ServiceAccount. */
export function deployedKubeconfig(
  config: ClusterConfig,
  kubectl: string,
  namespace: string,
  path = resolve(config.dir, 'deployed.kubeconfig'),
): string {
  const token = runKubectl(kubectl, ['create', 'token', 'admission-ipam', '-n', namespace, '--duration=2h']).trim();
  const admin = new KubeConfig();
  admin.loadFromFile(paths(config.dir).kubeconfig);
  const server = admin.getCurrentCluster();
  if (!server) throw new Error('the cluster kubeconfig has no current cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [server],
    users: [{ name: 'admission-ipam', token }],
    contexts: [{ name: 'admission-ipam', cluster: server.name, user: 'admission-ipam' }],
    currentContext: 'admission-ipam',
  });
  writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
  return path;
}
