// Pod admission at scale on the local control plane. 100 Deployments × 10 replicas are created at once, twice: first
// with Pods carrying the opt-out label (the webhook's objectSelector leaves them out, so the API server never calls
// it), then with Pods drawing their addresses from one SpiderIPPool of exactly 1,000 IPs through the webhook. Each
// run is timed from the first create until every Pod is Running (with the webhook: with its address as its Pod IP),
// then checked and deleted. It prints both times, their ratio, and what admission-ipam's and the API server's
// metrics say about the webhook run: allocations per pool status write, conflicts, admission latency.
//
//   npm run bench:admission [-- --rounds N] [-- --wait-minutes M]
//
// The cluster and the server are started like the integration tests start them, or reused; only what this started
// is stopped.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { type ClusterConfig, clusterConfig, paths } from '../cluster/src/config.js';
import { clusterDown } from '../cluster/src/lifecycle.js';
import { pkiFiles } from '../cluster/src/pki.js';
import { serverDown, systemUp } from '../cluster/src/system.js';
import { httpGet, httpsGet, pollUntil } from '../cluster/src/wait.js';
import { contains, count, type IPRangeSet, parseIP } from '../ipam/ip/index.js';
import {
  apiVersion,
  group,
  kinds,
  parseAssignedResult,
  parseRecords,
  plurals,
  podAnnotations,
  poolFamily,
  type SpiderIPPool,
  version,
} from '../ipam/model/index.js';
import { storedAddresses } from '../ipam/rules/index.js';
import { apiErrorMessage, isNotFound } from '../kube/api-errors.js';
import {
  benchLabel,
  createNamespace,
  deleteNamespace,
  type Mode,
  runWorkload,
  type WorkloadContext,
  type WorkloadRun,
  type WorkloadShape,
} from './admission-workload.js';
import { difference, histogramMean, histogramOf, histogramQuantile, parseMetrics, type Sample, total } from './prometheus-text.js';

const deployments = 100;
const replicas = 10;
const podCount = deployments * replicas;
const poolSubnet = '10.250.0.0/22';
const poolIPs = ['10.250.0.1-10.250.3.232'];
const targetRatio = 1.25;
const podWebhook = 'mutate-pod';
/** The webhook's name in the MutatingWebhookConfiguration, as the API server labels its metrics. */
const podWebhookName = `${podWebhook}.admission-ipam.spidernet.io`;
const script = 'bench/admission.ts';

interface Options {
  rounds: number;
  waitMinutes: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { rounds: 1, waitMinutes: 15 };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = Number(argv[i + 1]);
    const key = flag === '--rounds' ? 'rounds' : flag === '--wait-minutes' ? 'waitMinutes' : undefined;
    if (key === undefined || !Number.isInteger(value) || value < 1) {
      throw new Error(`usage: tsx ${script} [--rounds N] [--wait-minutes M], both whole numbers ≥ 1 (got "${flag} ${argv[i + 1] ?? ''}")`);
    }
    options[key] = value;
  }
  return options;
}

const log = (message: string) => console.error(`[bench] ${message}`);

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new Error(`${what}: ${apiErrorMessage(err)}`, { cause: err });
  }
}

// ---------------------------------------------------------------------------------------------
// Metrics of admission-ipam (its health port) and of the API server

interface Scrape {
  server: Sample[];
  apiserver: Sample[];
}

async function scrape(config: ClusterConfig): Promise<Scrape> {
  const server = await httpGet(`http://127.0.0.1:${config.ports.health}/metrics`, 10_000);
  if (server.status !== 200) throw new Error(`GET /metrics of admission-ipam answered ${server.status}: ${server.body.slice(0, 200)}`);
  const pki = pkiFiles(paths(config.dir).pki);
  const apiserver = await httpsGet(
    `https://127.0.0.1:${config.ports.apiserver}/metrics`,
    { ca: readFileSync(pki.ca), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) },
    30_000,
  );
  if (apiserver.status !== 200) throw new Error(`GET /metrics of the API server answered ${apiserver.status}`);
  return { server: parseMetrics(server.body), apiserver: parseMetrics(apiserver.body) };
}

const grown = (after: Scrape, before: Scrape): Scrape => ({
  server: difference(after.server, before.server),
  apiserver: difference(after.apiserver, before.apiserver),
});

const ms = (seconds: number | undefined) => (seconds === undefined ? 'n/a' : `${(seconds * 1000).toFixed(1)} ms`);

function latency(samples: Sample[], base: string, labels: Record<string, string>): string {
  const h = histogramOf(samples, base, labels);
  if (h.count === 0) return 'no observations';
  return `mean ${ms(histogramMean(h))}, p50 ≈ ${ms(histogramQuantile(0.5, h))}, p99 ≈ ${ms(histogramQuantile(0.99, h))} (${h.count} observed)`;
}

const podPosts = { verb: 'POST', resource: 'pods', subresource: '' };
const poolStatusPatches = { verb: 'PATCH', resource: plurals.ipPool, subresource: 'status' };

function reportWebhookMetrics(diff: Scrape, after: Scrape): void {
  const m = (name: string) => `admission_ipam_${name}`;
  const reviews = (result: string) => total(diff.server, m('admission_requests_total'), { webhook: podWebhook, result });
  const written = total(diff.server, m('pool_status_batches_total'), { outcome: 'written' });
  const unchanged = total(diff.server, m('pool_status_batches_total'), { outcome: 'unchanged' });
  const failed = total(diff.server, m('pool_status_batches_total'), { outcome: 'failed' });
  const operations = total(diff.server, m('pool_status_batch_operations_sum'));
  const attempts = histogramOf(diff.server, m('pool_status_batch_attempts'));
  const sizes = histogramOf(diff.server, m('pool_status_batch_operations'));
  const all = ['patched', 'allowed', 'denied', 'error'].map((r) => [r, reviews(r)] as const);
  console.log('  admission-ipam metrics over the run:');
  console.log(`    ${podWebhook} reviews         ${all.reduce((n, [, v]) => n + v, 0)}: ${all.map(([r, v]) => `${r} ${v}`).join(', ')}`);
  console.log(`    pool status batches        ${written} written, ${unchanged} unchanged, ${failed} failed; ${operations} operations`);
  // Batch sizes are whole numbers: what share carried one operation, and the bucket bound the largest fell under.
  const single = sizes.buckets.find((b) => b.le === 1)?.count ?? 0;
  const largest = sizes.buckets.find((b) => b.count === sizes.count)?.le;
  console.log(
    `    allocations per write      ${written > 0 ? (operations / written).toFixed(1) : 'n/a'} (${sizes.count > 0 ? ((100 * single) / sizes.count).toFixed(0) : 'n/a'} % of batches carried one, the largest ≤ ${largest ?? 'n/a'})`,
  );
  console.log(
    `    conflicts                  ${attempts.sum - attempts.count} (attempts beyond the first, over ${attempts.count} batches)`,
  );
  console.log(`    admission latency          ${latency(diff.server, m('admission_duration_seconds'), { webhook: podWebhook })}`);
  // prom-client resets its event-loop histogram at every scrape: the scrape after the run covers the run alone. The
  // delay includes the 10 ms sampling interval, so an idle process shows about 10 ms.
  const lag = (name: string) => ms(total(after.server, `nodejs_eventloop_lag_${name}_seconds`));
  console.log(`    event-loop delay           p50 ${lag('p50')}, p99 ${lag('p99')}, max ${lag('max')}`);
  console.log('  API server metrics over the run:');
  console.log(
    `    webhook call latency       ${latency(diff.apiserver, 'apiserver_admission_webhook_admission_duration_seconds', { name: podWebhookName })}`,
  );
  console.log(`    Pod create (POST) latency  ${latency(diff.apiserver, 'apiserver_request_duration_seconds', podPosts)}`);
  console.log(`    pool status PATCH latency  ${latency(diff.apiserver, 'apiserver_request_duration_seconds', poolStatusPatches)}`);
}

/** CPU the two processes on the shared cores spent during a run. */
function cpu(diff: Scrape): string {
  const seconds = (samples: Sample[]) => total(samples, 'process_cpu_seconds_total').toFixed(1);
  return `CPU used: admission-ipam ${seconds(diff.server)} s, API server ${seconds(diff.apiserver)} s`;
}

// ---------------------------------------------------------------------------------------------
// The pool

const gvr = { group, version, plural: plurals.ipPool };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function poolObject(name: string): SpiderIPPool {
  return {
    apiVersion,
    kind: kinds.ipPool,
    metadata: { name, labels: { [benchLabel]: 'admission' } },
    spec: { ipVersion: 4, subnet: poolSubnet, ips: poolIPs },
  };
}

async function readPool(custom: CustomObjectsApi, name: string): Promise<SpiderIPPool> {
  return (await custom.getClusterCustomObject({ ...gvr, name })) as SpiderIPPool;
}

/** Creates the pool after checking it holds exactly one address per Pod, and waits until admission-ipam counts it. */
async function createPool(custom: CustomObjectsApi, name: string): Promise<IPRangeSet> {
  const pool = poolObject(name);
  const stored = storedAddresses(pool);
  if (!stored.ok) throw new Error(`SpiderIPPool ${name}: spec cannot be read: ${stored.problem}`);
  if (count(stored.usable) !== BigInt(podCount)) {
    throw new Error(`SpiderIPPool ${name}: ips ${JSON.stringify(poolIPs)} hold ${count(stored.usable)} addresses, not ${podCount}`);
  }
  try {
    await custom.createClusterCustomObject({ ...gvr, body: pool });
  } catch (err) {
    throw new Error(
      `SpiderIPPool ${name} (${poolSubnet}) was refused: ${apiErrorMessage(err)}; a pool left by an interrupted run? kubectl get sp -l ${benchLabel}`,
    );
  }
  // The status controller counts from its cache: once it has, the webhook's pool cache holds the pool too.
  await pollUntil(`SpiderIPPool ${name} to count ${podCount} IPs in status.totalIPCount`, 60_000, async () => {
    const status = (await readPool(custom, name)).status;
    return status?.totalIPCount === podCount ? { done: true, value: undefined } : { done: false, seen: JSON.stringify(status ?? {}) };
  });
  return stored.usable;
}

/**
 * Drops every allocation record through the status subresource (a merge patch, as the concurrency integration test
 * sends it): nothing releases the addresses of deleted Pods yet.
 */
async function releasePool(custom: CustomObjectsApi, name: string): Promise<void> {
  await custom.patchClusterCustomObjectStatus({ ...gvr, name, body: { status: { allocatedIPs: null } } }, mergePatch);
  await pollUntil(`SpiderIPPool ${name} to count no allocations`, 60_000, async () => {
    const counted = (await readPool(custom, name)).status?.allocatedIPCount;
    return counted === 0 ? { done: true, value: undefined } : { done: false, seen: `allocatedIPCount ${counted}` };
  });
}

async function deletePool(custom: CustomObjectsApi, name: string): Promise<void> {
  await custom.deleteClusterCustomObject({ ...gvr, name });
  // The finalizer goes once the status controller sees no allocation.
  await pollUntil(`SpiderIPPool ${name} to be deleted`, 60_000, async () => {
    try {
      const pool = await readPool(custom, name);
      return {
        done: false,
        seen: `finalizers ${JSON.stringify(pool.metadata.finalizers ?? [])}, status ${JSON.stringify(pool.status ?? {})}`,
      };
    } catch (err) {
      if (isNotFound(err)) return { done: true, value: undefined };
      throw err;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Checks

const assignedKey = `${podAnnotations.assignedPrefix}eth0`;

function failIfAny(what: string, problems: string[]): void {
  if (problems.length === 0) return;
  throw new Error(`${what}: ${problems.length} problems, e.g.\n  ${problems.slice(0, 5).join('\n  ')}`);
}

/** Every Pod of the webhook run holds one address of the pool, as its Pod IP, and no two the same. */
function checkWebhookPods(run: WorkloadRun, pool: string, usable: IPRangeSet): Set<string> {
  const problems: string[] = [];
  const holders = new Map<string, string>();
  for (const pod of run.pods) {
    const name = `pod ${pod.metadata.namespace}/${pod.metadata.name}`;
    const text = pod.metadata.annotations?.[assignedKey];
    const result = text === undefined ? undefined : parseAssignedResult(text, 'eth0');
    if (!result?.ok) {
      problems.push(`${name}: ${assignedKey} ${result ? `is not readable: ${result.reason}` : 'is missing'}`);
      continue;
    }
    const ip = result.value.ipv4.split('/')[0] ?? '';
    const parsed = parseIP(ip);
    if (result.value.ipv4pool !== pool) problems.push(`${name}: ipv4pool is "${result.value.ipv4pool}", not "${pool}"`);
    if (!parsed.ok || parsed.value.family !== 4 || !contains(usable, parsed.value.value))
      problems.push(`${name}: ${ip} is outside the pool's ips ${JSON.stringify(poolIPs)}`);
    if (pod.status?.podIP !== ip) problems.push(`${name}: status.podIP is ${pod.status?.podIP ?? 'empty'}, the annotation says ${ip}`);
    const other = holders.get(ip);
    if (other) problems.push(`${name}: ${ip} is held by pod ${other} too`);
    holders.set(ip, `${pod.metadata.namespace}/${pod.metadata.name}`);
  }
  if (run.pods.length !== podCount) problems.push(`${run.pods.length} Pods exist in ${run.namespace}, not ${podCount}`);
  if (holders.size !== podCount) problems.push(`${holders.size} distinct addresses, not ${podCount}`);
  failIfAny(`the Pods of ${run.namespace}`, problems);
  return new Set(holders.keys());
}

async function checkPoolRecords(custom: CustomObjectsApi, name: string, addresses: Set<string>): Promise<void> {
  const pool = await pollUntil(`SpiderIPPool ${name} to count ${podCount} allocations`, 60_000, async () => {
    const p = await readPool(custom, name);
    const counted = p.status?.allocatedIPCount;
    return counted === podCount ? { done: true, value: p } : { done: false, seen: `allocatedIPCount ${counted}` };
  });
  const records = parseRecords(pool.status?.allocatedIPs, poolFamily(pool));
  if (!records.ok) throw new Error(`SpiderIPPool ${name}: ${records.reason}`);
  const stray = [...records.value.keys()].filter((ip) => !addresses.has(ip));
  const unrecorded = [...addresses].filter((ip) => !records.value.has(ip));
  failIfAny(`SpiderIPPool ${name} status.allocatedIPs`, [
    ...stray.map((ip) => `${ip} is recorded but no Pod holds it`),
    ...unrecorded.map((ip) => `${ip} is held by a Pod but not recorded`),
  ]);
}

/** The baseline's Pods never met the webhook: no result annotation, and no review counted by the server. */
function checkBaseline(run: WorkloadRun, diff: Scrape): number {
  const annotated = run.pods.filter((p) => p.metadata.annotations?.[assignedKey] !== undefined);
  const reviews = total(diff.server, 'admission_ipam_admission_requests_total', { webhook: podWebhook });
  failIfAny(`the baseline Pods of ${run.namespace}`, [
    ...(run.pods.length !== podCount ? [`${run.pods.length} Pods exist, not ${podCount}`] : []),
    ...annotated.map((p) => `pod ${p.metadata.namespace}/${p.metadata.name} carries ${assignedKey}`),
    ...(reviews > 0 ? [`admission-ipam answered ${reviews} ${podWebhook} reviews during the baseline`] : []),
  ]);
  return run.pods.filter((p) => p.status?.podIP).length;
}

// ---------------------------------------------------------------------------------------------

function reportRun(label: string, run: WorkloadRun): void {
  console.log(
    `  ${label.padEnd(22)} ${run.seconds.toFixed(1).padStart(6)} s  (Deployments accepted ${run.deploymentsAccepted.toFixed(1)} s, last Pod created ${run.lastPodSeen.toFixed(1)} s, scheduled ${run.lastPodScheduled.toFixed(1)} s; ${(podCount / run.lastPodSeen).toFixed(1)} Pods/s created)`,
  );
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const config = clusterConfig();
  const interrupt = new AbortController();
  process.once('SIGINT', () => {
    log('interrupted: cleaning up (Ctrl-C again to leave everything as it is)');
    interrupt.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  const system = await systemUp(config, (message) => console.error(`[cluster] ${message}`));
  const kc = new KubeConfig();
  kc.loadFromFile(system.cluster.kubeconfig);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const ctx: WorkloadContext = {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    waitMs: options.waitMinutes * 60_000,
    signal: interrupt.signal,
    log,
  };
  const pool = `bench-${randomBytes(3).toString('hex')}`;
  const shape: WorkloadShape = { deployments, replicas, pool };
  const namespaces = new Set<string>();
  let poolCreated = false;
  const times: Record<Mode, number[]> = { baseline: [], webhook: [] };
  console.log(
    `admission benchmark: ${deployments} Deployments × ${replicas} replicas = ${podCount} Pods per run, ${options.rounds} round(s), ` +
      `SpiderIPPool ${pool} (${poolSubnet}, ${podCount} IPs), API server https://127.0.0.1:${config.ports.apiserver}`,
  );
  try {
    const usable = await step(`creating SpiderIPPool ${pool}`, () => createPool(custom, pool));
    poolCreated = true;
    for (let round = 1; round <= options.rounds; round++) {
      console.log(`\nround ${round}`);
      for (const mode of ['baseline', 'webhook'] as const) {
        const what = `${mode} run of round ${round}`;
        const namespace = await step(`${what}: creating its namespace`, () => createNamespace(ctx, mode));
        namespaces.add(namespace);
        const before = await step(`${what}: reading metrics before it`, () => scrape(config));
        log(`${what}: creating ${deployments} Deployments in ${namespace}`);
        const run = await step(`${what} in ${namespace}`, () => runWorkload(ctx, mode, namespace, shape));
        const after = await step(`${what}: reading metrics after it`, () => scrape(config));
        const diff = grown(after, before);
        times[mode].push(run.seconds);
        if (mode === 'baseline') {
          const withIP = checkBaseline(run, diff);
          reportRun('baseline (no webhook)', run);
          console.log(`  (${withIP} of ${podCount} baseline Pods got a Pod IP from kwok; none met the webhook)`);
          console.log(`  API server: Pod create (POST) latency ${latency(diff.apiserver, 'apiserver_request_duration_seconds', podPosts)}`);
          console.log(`  ${cpu(diff)}`);
        } else {
          const addresses = checkWebhookPods(run, pool, usable);
          await step(`${what}: checking SpiderIPPool ${pool}`, () => checkPoolRecords(custom, pool, addresses));
          reportRun('webhook', run);
          console.log(`  ${addresses.size} distinct addresses, all in ${pool}, each its Pod's IP; the pool counts ${podCount} allocations`);
          reportWebhookMetrics(diff, after);
          console.log(`  ${cpu(diff)}`);
        }
        log(`${what}: deleting ${namespace}`);
        await step(`${what}: deleting namespace ${namespace}`, () => deleteNamespace(ctx, namespace));
        namespaces.delete(namespace);
        if (mode === 'webhook') await step(`releasing the addresses of SpiderIPPool ${pool}`, () => releasePool(custom, pool));
      }
    }
  } finally {
    // Best effort, each step on its own: a failure above must not leave namespaces, the pool or processes behind.
    const cleanup = async (what: string, run: () => Promise<void>) => {
      log(`cleanup: ${what}`);
      try {
        await run();
      } catch (err) {
        log(`cleanup: ${what} failed: ${apiErrorMessage(err)}`);
      }
    };
    for (const namespace of namespaces) await cleanup(`deleting namespace ${namespace}`, () => deleteNamespace(ctx, namespace));
    if (poolCreated) {
      await cleanup(`releasing SpiderIPPool ${pool}`, () => releasePool(custom, pool));
      await cleanup(`deleting SpiderIPPool ${pool}`, () => deletePool(custom, pool));
    }
    const stopLog = (message: string) => console.error(`[cluster] ${message}`);
    if (system.cluster.started) await clusterDown(config, stopLog);
    else if (system.startedServer) await serverDown(config, stopLog);
  }
  // After the cleanup, so that the ratio is the last line.
  const baseline = median(times.baseline);
  const webhook = median(times.webhook);
  const ratio = webhook / baseline;
  const of = options.rounds > 1 ? ` (medians of ${options.rounds} rounds)` : '';
  console.log(`\nbaseline ${baseline.toFixed(1)} s, webhook ${webhook.toFixed(1)} s${of}`);
  console.log(`target: ratio ≤ ${targetRatio} (${ratio <= targetRatio ? 'met' : 'NOT met'}; timing never fails this benchmark)`);
  console.log(`ratio ${ratio.toFixed(2)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`\n${script} failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
