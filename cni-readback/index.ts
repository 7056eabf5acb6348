// The CNI IPAM plugin (`spiderpool` / `admission-ipam`): reads a Pod's result annotation for CNI_IFNAME, checks it
// against the pool records, prints the CNI result. main.ts is the executable; build.ts bundles it.
export { type CniError, cniError, formatCniError, pluginCodes, specCodes } from './errors.js';
export { type CniCommand, type Invocation, type PodIdentity, parseCniArgs, podIdentity, readInvocation } from './invocation.js';
export { type KubeReader, kubeReader, type Read, ReadError } from './kube-reads.js';
export { type Credentials, type KubeAccess, type Material, parseKubeconfig } from './kubeconfig.js';
export { defaultKubeconfigPath, type NetConfig, peekVersion, readNetConfig } from './net-config.js';
export { type PluginDeps, type PluginOutput, retryDelaysMs, runPlugin } from './plugin.js';
export { assignmentOf, type Decided, optOutLabel, type PodView, poolsOf, readBack, readPodView } from './readback.js';
export {
  allowsCheck,
  type CniVersion,
  checkVersion,
  compareVersions,
  type IPAMResult,
  isSupportedVersion,
  type ResultIP,
  type ResultRoute,
  resultFor,
  supportedVersions,
  versionInfo,
} from './versions.js';
export { parseYamlSubset, YamlSubsetError, type YamlValue } from './yaml-subset.js';
