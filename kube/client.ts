// Where the process gets its API server credentials. Deliberately not client-node's loadFromDefault(): that one
// prefers KUBECONFIG even inside a Pod and, when it finds nothing, silently falls back to http://localhost:8080,
// which turns a missing config into confusing connection errors much later.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigSources {
  /** Prefix for the ServiceAccount files (tests point it at a temporary directory). */
  inClusterPathPrefix?: string;
}

/**
 * In a Pod (KUBERNETES_SERVICE_HOST/PORT set): the mounted ServiceAccount token, re-read by client-node every 60 s
 * so rotating bound tokens keep working. Elsewhere: the files in KUBECONFIG (merged, first one wins the context),
 * else ~/.kube/config. Throws with an actionable message when none applies.
 */
export function loadKubeConfig(sources: KubeConfigSources = {}): KubeConfig {
  // process.env, not a parameter: client-node's loadFromCluster() reads KUBERNETES_SERVICE_HOST/PORT from it too.
  const env = process.env;
  const kc = new KubeConfig();
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
    const prefix = sources.inClusterPathPrefix ?? '';
    const token = `${prefix}${serviceAccountDir}/token`;
    if (!existsSync(token)) {
      throw new Error(
        `running in a Pod (KUBERNETES_SERVICE_HOST is set) but there is no ServiceAccount token at ${token}; ` +
          'set automountServiceAccountToken: true on the Pod or its ServiceAccount',
      );
    }
    kc.loadFromCluster(prefix);
  } else {
    const files = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
    const home = homedir();
    const fallback = join(home, '.kube', 'config');
    if (files.length === 0 && !existsSync(fallback)) {
      throw new Error(`no Kubernetes credentials: not in a Pod, KUBECONFIG is not set and ${fallback} does not exist`);
    }
    const [first, ...rest] = files.length > 0 ? files : [fallback];
    kc.loadFromFile(first ?? fallback);
    for (const file of rest) mergeKubeconfigFile(kc, file);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new Error(`kubeconfig: current context "${kc.getCurrentContext()}" names no cluster; set current-context to one of its contexts`);
  }
  return kc;
}

/** kubectl's merge rule: the first file that names a cluster, user, context or current-context wins. client-node's
 *  mergeConfig() throws on duplicate names instead, which breaks the common KUBECONFIG=a:b setups. */
function mergeKubeconfigFile(kc: KubeConfig, file: string): void {
  const more = new KubeConfig();
  more.loadFromFile(file);
  for (const cluster of more.getClusters()) if (!kc.getCluster(cluster.name)) kc.addCluster(cluster);
  for (const user of more.getUsers()) if (!kc.getUser(user.name)) kc.addUser(user);
  for (const context of more.getContexts()) if (!kc.getContextObject(context.name)) kc.addContext(context);
  if (!kc.getCurrentContext() && more.getCurrentContext()) kc.setCurrentContext(more.getCurrentContext());
}
