// The workload of bench/admission.ts: a fresh namespace, Deployments created all at once, and a LIST+WATCH of the
// namespace's Pods that notes when each Pod was first seen, scheduled and Running, so the time to the last one is
// measured from watch events rather than from a polling interval.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppsV1Api, CoreV1Api, KubeConfig, V1Deployment } from '@kubernetes/client-node';
import { optOutLabel } from '../admission/webhook-configurations.js';
import { pollUntil } from '../cluster/src/wait.js';
import { apiErrorMessage, isNotFound } from '../kube/api-errors.js';
import { type KubeObject, ResourceCache } from '../kube/watch/index.js';

/** baseline: Pods the webhook never sees (opt-out label); webhook: Pods drawing their address from the pool. */
export type Mode = 'baseline' | 'webhook';

export const benchLabel = 'admission-ipam.io/bench';

export interface PodObject extends KubeObject {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec?: { nodeName?: string };
  status?: { phase?: string; podIP?: string };
}

export interface WorkloadShape {
  deployments: number;
  replicas: number;
  /** The SpiderIPPool the webhook workload's Pods name in `ipam.spidernet.io/ippool`. */
  pool: string;
}

export interface WorkloadContext {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  /** Hard limit of each wait (Pods Running, a namespace gone). */
  waitMs: number;
  /** Aborted on Ctrl-C: every wait stops, and cleanup runs. */
  signal: AbortSignal;
  log: (message: string) => void;
}

/** Seconds from the first create; "last" means the last of all the Pods. */
export interface WorkloadRun {
  mode: Mode;
  namespace: string;
  seconds: number;
  deploymentsAccepted: number;
  lastPodSeen: number;
  lastPodScheduled: number;
  pods: PodObject[];
}

const appLabel = 'app';

export function deploymentOf(mode: Mode, index: number, shape: WorkloadShape): V1Deployment {
  const labels = { [appLabel]: `bench-${index}` };
  const template =
    mode === 'baseline'
      ? { labels: { ...labels, [optOutLabel]: 'true' } }
      : { labels, annotations: { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [shape.pool] }) } };
  return {
    metadata: { name: `bench-${index}` },
    spec: {
      replicas: shape.replicas,
      selector: { matchLabels: labels },
      template: { metadata: template, spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] } },
    },
  };
}

/** A Pod that counts as started: Running, not being deleted, and (with the webhook) holding its address as its IP. */
export function podStarted(mode: Mode, pod: PodObject): boolean {
  if (pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) return false;
  return mode === 'baseline' || Boolean(pod.status.podIP);
}

interface PodTracker {
  synced(): Promise<void>;
  /** Resolves with performance.now() of the event that made the last Pod start. */
  done: Promise<number>;
  pods(): PodObject[];
  progress(): { seen: number; scheduled: number; started: number };
  timeline(): { lastSeen: number; lastScheduled: number };
  lastError(): string | undefined;
  stop(): Promise<void>;
}

function trackPods(kc: KubeConfig, namespace: string, mode: Mode, expected: number): PodTracker {
  const cache = new ResourceCache<PodObject>(kc, `/api/v1/namespaces/${namespace}/pods`);
  const seen = new Map<string, number>();
  const scheduled = new Map<string, number>();
  const started = new Set<string>();
  let error: string | undefined;
  let finish: (at: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  cache.on((event) => {
    const at = performance.now();
    if (event.type === 'error') error = `${event.phase}: ${event.error.message}`;
    if (event.type === 'deleted') {
      seen.delete(event.key);
      scheduled.delete(event.key);
      started.delete(event.key);
    }
    if (event.type !== 'added' && event.type !== 'modified') return;
    const pod = event.object;
    if (!seen.has(event.key)) seen.set(event.key, at);
    if (pod.spec?.nodeName && !scheduled.has(event.key)) scheduled.set(event.key, at);
    if (podStarted(mode, pod)) started.add(event.key);
    else started.delete(event.key);
    if (started.size >= expected) finish(at);
  });
  cache.start();
  return {
    synced: () => cache.synced(),
    done,
    pods: () => cache.list(),
    progress: () => ({ seen: seen.size, scheduled: scheduled.size, started: started.size }),
    timeline: () => ({ lastSeen: Math.max(0, ...seen.values()), lastScheduled: Math.max(0, ...scheduled.values()) }),
    lastError: () => error,
    stop: () => cache.stop(),
  };
}

function abortable(signal: AbortSignal, what: string): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new Error(`interrupted while ${what}`));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/** What is missing when the wait gives up: counts, Deployments short of Pods, and why the controllers could not create them. */
async function describeMissing(
  ctx: WorkloadContext,
  mode: Mode,
  namespace: string,
  tracker: PodTracker,
  shape: WorkloadShape,
): Promise<string> {
  const { seen, scheduled, started } = tracker.progress();
  const total = shape.deployments * shape.replicas;
  const perApp = new Map<string, number>();
  for (const pod of tracker.pods()) {
    const app = pod.metadata.labels?.[appLabel] ?? '(no app label)';
    perApp.set(app, (perApp.get(app) ?? 0) + 1);
  }
  const short = Array.from({ length: shape.deployments }, (_, i) => `bench-${i}`)
    .map((name) => [name, perApp.get(name) ?? 0] as const)
    .filter(([, n]) => n < shape.replicas);
  const lines = [
    `${started} of ${total} Pods started (Running${mode === 'webhook' ? ' with an IP' : ''}); ${seen} Pods exist, ${scheduled} scheduled`,
    `Deployments short of ${shape.replicas} Pods: ${short.length === 0 ? 'none' : short.map(([name, n]) => `${name} (${n})`).join(', ')}`,
  ];
  try {
    const events = await ctx.core.listNamespacedEvent({ namespace, fieldSelector: 'reason=FailedCreate' });
    const messages = new Map<string, number>();
    for (const e of events.items) {
      // Generated Pod names differ in every message; without them the messages group.
      const message = (e.message ?? '').replace(/bench-\d+-[a-z0-9]+-[a-z0-9]+/g, 'bench-…');
      messages.set(message, (messages.get(message) ?? 0) + (e.count ?? 1));
    }
    const top = [...messages].sort((a, b) => b[1] - a[1]).slice(0, 3);
    lines.push(top.length === 0 ? 'no FailedCreate events' : `FailedCreate events: ${top.map(([m, n]) => `${n} × "${m}"`).join('; ')}`);
  } catch (err) {
    lines.push(`FailedCreate events could not be listed: ${apiErrorMessage(err)}`);
  }
  const watchError = tracker.lastError();
  if (watchError) lines.push(`last error of the Pod watch: ${watchError}`);
  return lines.join('\n  ');
}

export async function createNamespace(ctx: WorkloadContext, mode: Mode): Promise<string> {
  const name = `bench-${mode}-${randomBytes(3).toString('hex')}`;
  await ctx.core.createNamespace({ body: { metadata: { name, labels: { [benchLabel]: mode } } } });
  // A Pod cannot be created before its namespace's default ServiceAccount: the timing must not include that wait.
  await pollUntil(`ServiceAccount ${name}/default`, 60_000, async () => {
    await ctx.core.readNamespacedServiceAccount({ name: 'default', namespace: name });
    return { done: true, value: undefined };
  });
  return name;
}

/** Creates every Deployment at once in `namespace` and waits until every Pod has started. */
export async function runWorkload(ctx: WorkloadContext, mode: Mode, namespace: string, shape: WorkloadShape): Promise<WorkloadRun> {
  const total = shape.deployments * shape.replicas;
  const tracker = trackPods(ctx.kc, namespace, mode, total);
  const deadline = new AbortController();
  let started = performance.now();
  const progress = setInterval(() => {
    const p = tracker.progress();
    ctx.log(
      `${mode}: ${((performance.now() - started) / 1000).toFixed(0)} s, ${p.seen} Pods, ${p.scheduled} scheduled, ${p.started} started`,
    );
  }, 15_000);
  try {
    await Promise.race([tracker.synced(), abortable(ctx.signal, `starting the Pod watch of ${namespace}`)]);
    started = performance.now();
    const created = await Promise.allSettled(
      Array.from({ length: shape.deployments }, (_, i) =>
        ctx.apps.createNamespacedDeployment({ namespace, body: deploymentOf(mode, i, shape) }),
      ),
    );
    const accepted = performance.now();
    const refused = created.flatMap((r, i) => (r.status === 'rejected' ? [`bench-${i}: ${apiErrorMessage(r.reason)}`] : []));
    if (refused.length > 0) throw new Error(`${refused.length} of ${shape.deployments} Deployments were refused, e.g. ${refused[0]}`);
    const timedOut = sleep(ctx.waitMs, undefined, { signal: deadline.signal }).then(async () => {
      throw new Error(
        `timed out after ${ctx.waitMs / 60_000} min waiting for ${total} Pods in ${namespace}:\n  ${await describeMissing(ctx, mode, namespace, tracker, shape)}`,
      );
    });
    const finished = await Promise.race([tracker.done, timedOut, abortable(ctx.signal, `waiting for the Pods of ${namespace}`)]);
    const { lastSeen, lastScheduled } = tracker.timeline();
    const since = (at: number) => (at - started) / 1000;
    return {
      mode,
      namespace,
      seconds: since(finished),
      deploymentsAccepted: since(accepted),
      lastPodSeen: since(lastSeen),
      lastPodScheduled: since(lastScheduled),
      pods: tracker.pods(),
    };
  } finally {
    clearInterval(progress);
    deadline.abort();
    await tracker.stop();
  }
}

/** Deletes the namespace and waits until it is gone (its Pods deleted by the namespace controller, kwok letting them go). */
export async function deleteNamespace(ctx: WorkloadContext, namespace: string): Promise<void> {
  try {
    await ctx.core.deleteNamespace({ name: namespace });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await pollUntil(
    `namespace ${namespace} to be deleted`,
    ctx.waitMs,
    async () => {
      try {
        const ns = await ctx.core.readNamespace({ name: namespace });
        const pods = await ctx.core.listNamespacedPod({ namespace, limit: 1 });
        const left = (pods.metadata?.remainingItemCount ?? 0) + pods.items.length;
        return { done: false, seen: `phase ${ns.status?.phase ?? 'unknown'}, ${left} Pods left` };
      } catch (err) {
        if (isNotFound(err)) return { done: true, value: undefined };
        throw err;
      }
    },
    1000,
  );
}
