// One plugin invocation: environment and stdin in, stdout text and exit code out. The API server is reached only
// through the reader passed in, so every command and every error path runs in unit tests without a cluster.
import type { SpiderIPPool } from '../ipam/model/index.js';
import { type CniError, cniError, formatCniError, pluginCodes, specCodes } from './errors.js';
import { type Invocation, type PodIdentity, podIdentity, readInvocation } from './invocation.js';
import { type KubeReader, ReadError } from './kube-reads.js';
import { type NetConfig, peekVersion, readNetConfig } from './net-config.js';
import { assignmentOf, type Decided, poolsOf, readBack, readPodView } from './readback.js';
import { type IPAMResult, resultFor, versionInfo } from './versions.js';

export interface PluginDeps {
  /** Opens the API server with the kubeconfig at `path`; throws ReadError when it cannot. */
  openReader(path: string): KubeReader;
  sleep(ms: number): Promise<void>;
}

export interface PluginOutput {
  stdout: string;
  exitCode: number;
}

/**
 * Waits between tries of a Pod that is not visible yet (a runtime can be faster than an API server's watch cache) or
 * a StatefulSet record still bound to the previous incarnation: 2.5 s in all, well inside a runtime's CNI timeout.
 */
export const retryDelaysMs: readonly number[] = [100, 200, 400, 800, 1000];

const failure = (error: CniError, cniVersion: string | undefined): PluginOutput => ({
  stdout: formatCniError(error, cniVersion),
  exitCode: 1,
});

async function readPools(reader: KubeReader, names: readonly string[]): Promise<Map<string, SpiderIPPool | undefined>> {
  const pools = new Map<string, SpiderIPPool | undefined>();
  // One after the other on the one keep-alive connection: a second TLS handshake costs more than the wait.
  for (const name of names) {
    const read = await reader.getPool(name);
    pools.set(name, read.found ? (read.body as SpiderIPPool) : undefined);
  }
  return pools;
}

async function readBackWithRetries(reader: KubeReader, id: PodIdentity, ifName: string, deps: PluginDeps): Promise<Decided<IPAMResult>> {
  const ref = `${id.namespace}/${id.name}`;
  let last: Decided<IPAMResult> = { ok: false, error: cniError(specCodes.internal, `pod ${ref}: no attempt made`) };
  for (let attempt = 0; attempt <= retryDelaysMs.length; attempt++) {
    if (attempt > 0) await deps.sleep(retryDelaysMs[attempt - 1] ?? 0);
    try {
      const read = await reader.getPod(id.namespace, id.name);
      if (!read.found) {
        last = {
          ok: false,
          error: cniError(
            specCodes.tryAgainLater,
            `pod ${ref} is not in the API server (HTTP 404, ${attempt + 1} tries)`,
            `the runtime sets up ${ifName} for a Pod the API server does not hold; the kubelet retries the sandbox if the Pod is still wanted`,
          ),
        };
        continue;
      }
      const pod = readPodView(read.body);
      if (!pod) return { ok: false, error: cniError(specCodes.tryAgainLater, `GET pod ${ref}: the answer is not a Pod`) };
      const assignment = assignmentOf(pod, ifName, id);
      if (!assignment.ok) return assignment;
      const decided = readBack(pod, assignment.value, await readPools(reader, poolsOf(assignment.value)));
      if (decided.ok || !decided.retryable) return decided;
      last = decided;
    } catch (err) {
      if (!(err instanceof ReadError)) throw err;
      last = { ok: false, error: err.error };
      if (!err.retryable) return last;
    }
  }
  return last;
}

const addressesOf = (prev: Record<string, unknown>): string[] =>
  Array.isArray(prev.ips)
    ? prev.ips.map((ip) => (typeof ip === 'object' && ip !== null ? String((ip as { address?: unknown }).address) : ''))
    : [];

function checkAgainstPrevious(config: NetConfig, inv: Invocation, id: PodIdentity, result: IPAMResult): CniError | undefined {
  if (config.prevResult === undefined) return undefined;
  const present = addressesOf(config.prevResult);
  const missing = result.ips.filter((ip) => !present.includes(ip.address)).map((ip) => ip.address);
  if (missing.length === 0) return undefined;
  return cniError(
    pluginCodes.resultDiffers,
    `pod ${id.namespace}/${id.name}: ${inv.ifName} should hold ${missing.join(', ')}, which prevResult lacks`,
    `prevResult has ${present.join(', ') || 'no address'}`,
  );
}

export async function runPlugin(env: Readonly<Record<string, string | undefined>>, stdin: string, deps: PluginDeps): Promise<PluginOutput> {
  const invocation = readInvocation(env);
  if (!invocation.ok) return failure(invocation.error, peekVersion(stdin));
  const inv = invocation.value;
  if (inv.command === 'VERSION') return { stdout: versionInfo(peekVersion(stdin)), exitCode: 0 };
  const config = readNetConfig(stdin, inv.command);
  if (!config.ok) return failure(config.error, config.cniVersion ?? peekVersion(stdin));
  const cfg = config.value;
  // Addresses are released by admission-ipam's controller when the Pod is gone, never by the node: DEL has nothing to
  // undo, so it succeeds every time (the spec asks DEL to be idempotent and to succeed for what is already gone).
  if (inv.command === 'DEL') return { stdout: '', exitCode: 0 };
  const id = podIdentity(inv.args, inv.ifName);
  if (!id.ok) return failure(id.error, cfg.cniVersion);
  let reader: KubeReader;
  try {
    reader = deps.openReader(cfg.kubeconfig);
  } catch (err) {
    if (err instanceof ReadError) return failure(err.error, cfg.cniVersion);
    throw err;
  }
  try {
    const decided = await readBackWithRetries(reader, id.value, inv.ifName, deps);
    if (!decided.ok) return failure(decided.error, cfg.cniVersion);
    if (inv.command === 'CHECK') {
      const differs = checkAgainstPrevious(cfg, inv, id.value, decided.value);
      return differs ? failure(differs, cfg.cniVersion) : { stdout: '', exitCode: 0 };
    }
    return { stdout: JSON.stringify(resultFor(cfg.cniVersion, decided.value)), exitCode: 0 };
  } finally {
    reader.close();
  }
}
