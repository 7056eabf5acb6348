// `admission-ipam serve`: the webhook server, its certificates, the caches it
// reads, and the health endpoints, wired together. Every replica runs this.
import { readFileSync, watch } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { servingDNSNames } from '../certs/index.js';
import { ensureServingMaterial } from '../kube/certificate-secret.js';
import { loadKubeConfig } from '../kube/client.js';
import { allCaches, type ClusterCaches, createClusterCaches, createPodCache, requiredCaches } from '../kube/cluster-caches.js';
import { customResourceWriter } from '../kube/custom-resources.js';
import { liveReservationTokens } from '../kube/pod-tokens.js';
import { poolReservations } from '../kube/pool-reservations.js';
import { applyWebhookConfigurations, injectCABundle } from '../kube/webhook-configurations.js';
import { runLeaderControllers } from '../scaler/leader-controllers.js';
import { startReleaseController } from '../scaler/release-controller.js';
import { startStatusController } from '../scaler/status-controller.js';
import { autoPools } from './auto-pools.js';
import type { ClusterView } from './cluster-view.js';
import { createHealthApp, startHealthServer } from './health.js';
import type { Logger } from './log.js';
import { createAdmissionMetrics, createLeaderMetrics, createPoolWriteMetrics, createReleaseMetrics, registry } from './metrics.js';
import type { PodAdmissionDependencies } from './mutate/pod.js';
import type { ServeOptions } from './options.js';
import type { PodView } from './pod-facts.js';
import { registerPoolMetrics } from './pool-metrics.js';
import { createWebhookApp, startWebhookServer, type TlsMaterial } from './server.js';
import { webhookConfigurations } from './webhook-configurations.js';
import { webhookRoutes } from './webhooks.js';

export interface Running {
  webhookPort: number;
  healthPort: number;
  stop(): Promise<void>;
}

function kubeConfigFor(path: string | undefined): KubeConfig {
  if (!path) return loadKubeConfig();
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

const renewalCheckMs = 60 * 60 * 1000;

function poolWrites(kc: KubeConfig, caches: ClusterCaches) {
  const writes = createPoolWriteMetrics(registry);
  return poolReservations(kc, {
    pool: (name) => caches.pools.get(name),
    reservedIPs: () => caches.reservedIPs.list(),
    now: () => new Date(),
    onBatch: ({ size, attempts, outcome }) => {
      writes.batches.inc({ outcome });
      writes.batchSize.observe(size);
      writes.attempts.observe(attempts);
    },
  });
}

function podDependencies(
  caches: ClusterCaches,
  options: ServeOptions,
  reservations: ReturnType<typeof poolReservations>,
): PodAdmissionDependencies {
  const view: PodView = {
    namespace: (name) => caches.namespaces.get(name)?.metadata,
    networkAttachmentConfig: (key) => {
      const nad = caches.networkAttachments.get(key);
      return nad ? { config: nad.spec?.config } : undefined;
    },
    owners: (kind, namespace, name) =>
      (kind === 'ReplicaSet' ? caches.replicaSets : caches.jobs).get(`${namespace}/${name}`)?.metadata.ownerReferences,
  };
  return {
    view,
    pools: () => caches.pools.list(),
    nodes: () => caches.nodes.list().map((n) => ({ name: n.metadata.name, labels: n.metadata.labels ?? {} })),
    reserver: reservations.reserver,
    planner: reservations.dryRun,
    podFacts: {
      multusNamespace: options.multusNamespace,
      ...(options.multusClusterNetwork ? { clusterNetwork: options.multusClusterNetwork } : {}),
      primaryNetwork: options.primaryNetwork,
    },
    select: { installNamespace: options.namespace },
    sources: { enableSpiderSubnet: options.rules.enableSpiderSubnet, enableAutoPools: options.rules.enableSpiderSubnet },
  };
}

export async function serve(options: ServeOptions, log: Logger): Promise<Running> {
  const kc = kubeConfigFor(options.kubeconfig);
  const caches = createClusterCaches(kc);
  const reservations = poolWrites(kc, caches);
  // Automatic pools from SpiderSubnets: workload caches, the webhook's part, the controller.
  const auto = autoPools(kc, caches, { defaultRedundant: options.autoPoolDefaultRedundant });
  for (const cache of [...allCaches(caches), ...auto.caches]) cache.start();
  const view: ClusterView = {
    pools: () => caches.pools.list(),
    subnets: () => caches.subnets.list(),
    reservedIPs: () => caches.reservedIPs.list(),
  };

  const local = options.webhookUrl !== undefined;
  const dnsNames = servingDNSNames(options.serviceName, options.namespace);
  const ipAddresses = local ? ['127.0.0.1'] : [];
  const loadTls = async (): Promise<{ tls: TlsMaterial; caPem: string; changed?: string }> => {
    if (options.certFile && options.keyFile) {
      const cert = readFileSync(options.certFile, 'utf8');
      return {
        tls: { cert, key: readFileSync(options.keyFile, 'utf8') },
        caPem: options.caFile ? readFileSync(options.caFile, 'utf8') : cert,
      };
    }
    const { material, changed } = await ensureServingMaterial(kc, {
      namespace: options.namespace,
      secretName: options.tlsSecret,
      dnsNames,
      ipAddresses,
      now: () => new Date(),
    });
    return { tls: { cert: material.serving.certPem, key: material.serving.keyPem }, caPem: material.ca.certPem, changed };
  };

  const first = await loadTls();
  if (first.changed) log.info({ secret: `${options.namespace}/${options.tlsSecret}`, reason: first.changed }, 'serving certificate issued');
  const metrics = createAdmissionMetrics(registry);
  registerPoolMetrics(registry, view);
  const app = createWebhookApp({
    routes: webhookRoutes({
      view,
      config: options.rules,
      trustedUsers: options.trustedUsers,
      pods: { ...podDependencies(caches, options, reservations), autoPools: auto.admission },
    }),
    log,
    metrics,
  });
  const webhook = await startWebhookServer({ host: options.webhookHost, port: options.webhookPort, tls: first.tls }, app);
  const health = await startHealthServer(
    { host: options.healthHost, port: options.healthPort },
    createHealthApp({
      registry,
      readiness: () => {
        const reasons = requiredCaches(caches).flatMap(([name, c]) => (c.isSynced() ? [] : [`${name} cache not synced`]));
        if (auto.caches.some((c) => !c.isSynced())) reasons.push('workload caches not synced');
        return { ready: reasons.length === 0, reasons };
      },
    }),
  );

  const publishCA = async (caPem: string) => {
    if (local) {
      const url = options.webhookUrl ?? '';
      await applyWebhookConfigurations(
        kc,
        webhookConfigurations({ target: { url }, caBundlePem: caPem, excludedNamespaces: ['kube-system', options.namespace] }),
      );
      log.info({ url, name: options.webhookConfigurationName }, 'webhook configurations installed');
    } else {
      const result = await injectCABundle(kc, options.webhookConfigurationName, caPem);
      log.info({ name: options.webhookConfigurationName, ...result }, 'caBundle injected');
    }
  };
  await publishCA(first.caPem);

  // Renew before expiry: swap the certificate in place, and publish the CA if it changed.
  let lastCA = first.caPem;
  let lastCert = first.tls.cert;
  const renew = async () => {
    try {
      const next = await loadTls();
      if (next.tls.cert !== lastCert) {
        webhook.rotate(next.tls);
        lastCert = next.tls.cert;
      }
      if (next.caPem !== lastCA) {
        await publishCA(next.caPem);
        lastCA = next.caPem;
      }
      if (next.changed) log.info({ reason: next.changed }, 'serving certificate renewed');
    } catch (err) {
      log.error({ err }, 'certificate renewal failed; will retry');
    }
  };
  const timer = setInterval(renew, renewalCheckMs);
  timer.unref();
  const watchers = options.certFile ? [watch(options.certFile, () => void renew())] : [];

  // Only the holder of the Lease runs the controllers; readiness and the webhooks never depend on it. Started last,
  // so a replica that failed to start never leads.
  const { enabled, namespace, leaseName, ...settings } = options.leaderElection;
  const leaderMetrics = createLeaderMetrics(registry);
  const releaseMetrics = createReleaseMetrics(registry);
  const controllers = runLeaderControllers({
    controllers: [
      {
        name: 'status',
        start: () =>
          startStatusController({
            pools: caches.pools,
            subnets: caches.subnets,
            writer: customResourceWriter(kc),
            log: log.child({ controller: 'status' }),
            workloadLives: auto.workloadLives,
          }),
      },
      { name: 'auto-pool', start: () => auto.startController(log) },
      { name: 'third-party-reclaim', start: () => auto.startThirdPartyReclaimer(log) },
      {
        name: 'release',
        start: () => {
          // A new Pod cache per term as leader: what a former term cached may be stale by any amount.
          const pods = createPodCache(kc);
          pods.start();
          const releaser = startReleaseController({
            pods,
            pools: caches.pools,
            statefulSets: caches.statefulSets,
            nodes: caches.nodes,
            settle: reservations.settle,
            liveTokens: (ns) => liveReservationTokens(kc, ns),
            log: log.child({ controller: 'release' }),
            pendingTTLSeconds: options.pendingReservationTTLSeconds,
            fullScanIntervalMs: options.gcIntervalSeconds * 1000,
            onChange: (reason, count) => releaseMetrics.records.inc({ reason }, count),
          });
          return {
            stop: async () => {
              releaser.stop();
              await pods.stop();
            },
          };
        },
      },
    ],
    election: enabled ? { kc, namespace, name: leaseName, settings } : undefined,
    log,
    onLeadingChange: (leading) => leaderMetrics.leader.set(leading ? 1 : 0),
  });
  log.info({ webhookPort: webhook.port, healthPort: health.port }, 'admission-ipam serving');
  return {
    webhookPort: webhook.port,
    healthPort: health.port,
    stop: async () => {
      clearInterval(timer);
      for (const w of watchers) w.close();
      await controllers.stop();
      await Promise.all([...allCaches(caches), ...auto.caches].map((cache) => cache.stop()));
      await Promise.all([webhook.close(), health.close()]);
    },
  };
}
