// How a runtime calls a CNI plugin: the command and the container in environment variables, the network config on
// stdin. The checks and their messages are libcni's (pkg/skel), so a runtime's log reads the same as for any plugin.
import { type CniError, cniError, specCodes } from './errors.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

export interface Invocation {
  command: CniCommand;
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS as key/value pairs, e.g. K8S_POD_NAMESPACE. */
  args: ReadonlyMap<string, string>;
  path: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const required: Record<string, readonly CniCommand[]> = {
  CNI_COMMAND: ['ADD', 'DEL', 'CHECK', 'VERSION'],
  CNI_CONTAINERID: ['ADD', 'DEL', 'CHECK'],
  CNI_NETNS: ['ADD', 'CHECK'],
  CNI_IFNAME: ['ADD', 'DEL', 'CHECK'],
  CNI_PATH: ['ADD', 'DEL', 'CHECK'],
};

const commands: readonly string[] = ['ADD', 'DEL', 'CHECK', 'VERSION'];

/** "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web-0" -> a map; a pair without "=" is an error, as in libcni. */
export function parseCniArgs(text: string): { ok: true; value: Map<string, string> } | { ok: false; error: CniError } {
  const args = new Map<string, string>();
  if (text === '') return { ok: true, value: args };
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      return {
        ok: false,
        error: cniError(specCodes.invalidEnvironment, `CNI_ARGS: invalid pair ${JSON.stringify(pair)} (expected KEY=VALUE)`),
      };
    }
    args.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return { ok: true, value: args };
}

// libcni's utils.ValidateContainerID and ValidateInterfaceName.
const containerIdPattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function interfaceNameProblem(name: string): string | undefined {
  if (name.length > 15) return 'interface name is too long';
  if (name === '.' || name === '..') return 'interface name is . or ..';
  if (/[/:\s]/.test(name)) return 'interface name contains / or : or whitespace characters';
  return undefined;
}

export function readInvocation(env: Env): { ok: true; value: Invocation } | { ok: false; error: CniError } {
  const command = env.CNI_COMMAND ?? '';
  const missing = Object.entries(required)
    .filter(
      ([name, commandsNeeding]) => (env[name] ?? '') === '' && (name === 'CNI_COMMAND' || commandsNeeding.includes(command as CniCommand)),
    )
    .map(([name]) => name);
  if (missing.length > 0) {
    return { ok: false, error: cniError(specCodes.invalidEnvironment, `required env variables [${missing.join(',')}] missing`) };
  }
  if (!commands.includes(command)) return { ok: false, error: cniError(specCodes.invalidEnvironment, `unknown CNI_COMMAND: ${command}`) };
  const containerId = env.CNI_CONTAINERID ?? '';
  const ifName = env.CNI_IFNAME ?? '';
  if (command !== 'VERSION') {
    if (!containerIdPattern.test(containerId)) {
      return { ok: false, error: cniError(specCodes.invalidEnvironment, 'invalid characters in containerID', containerId) };
    }
    const problem = interfaceNameProblem(ifName);
    if (problem) return { ok: false, error: cniError(specCodes.invalidEnvironment, problem, ifName) };
  }
  const args = parseCniArgs(env.CNI_ARGS ?? '');
  if (!args.ok) return args;
  return {
    ok: true,
    value: { command: command as CniCommand, containerId, netns: env.CNI_NETNS ?? '', ifName, args: args.value, path: env.CNI_PATH ?? '' },
  };
}

export interface PodIdentity {
  namespace: string;
  name: string;
  /** K8S_POD_UID when the runtime passes it (containerd and CRI-O do; some older runtimes do not). */
  uid: string | undefined;
}

/** The Pod a sandbox belongs to, from the K8S_* keys the kubelet's runtime puts into CNI_ARGS. */
export function podIdentity(
  args: ReadonlyMap<string, string>,
  ifName: string,
): { ok: true; value: PodIdentity } | { ok: false; error: CniError } {
  const namespace = args.get('K8S_POD_NAMESPACE') ?? '';
  const name = args.get('K8S_POD_NAME') ?? '';
  const missing = [namespace === '' ? 'K8S_POD_NAMESPACE' : '', name === '' ? 'K8S_POD_NAME' : ''].filter((k) => k !== '');
  if (missing.length > 0) {
    return {
      ok: false,
      error: cniError(
        specCodes.invalidEnvironment,
        `CNI_ARGS has no ${missing.join(' and ')}: cannot tell which Pod ${ifName} belongs to`,
        'the addresses are read from the Pod; a Kubernetes runtime (containerd, CRI-O) passes K8S_POD_NAMESPACE, K8S_POD_NAME and K8S_POD_UID in CNI_ARGS',
      ),
    };
  }
  const uid = args.get('K8S_POD_UID');
  return { ok: true, value: { namespace, name, uid: uid === undefined || uid === '' ? undefined : uid } };
}
