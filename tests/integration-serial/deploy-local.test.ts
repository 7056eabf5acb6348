// The kustomize install, for real: `kubectl apply -k` of deploy/overlays/local, then `admission-ipam serve` on the host
// with a token of the ServiceAccount it created, so every call the server makes goes through the deployed RBAC. A
// Pod gets an address and gives it back, the Lease is taken, an automatic pool is made and a Warning written, and no
// request is refused. Then `kubectl delete -k`: no webhook configuration may remain, and Pods are created without us.
// It replaces the test server for a while, so it runs alone (project integration-serial).
// CIDRs 172.23.40.0/24 to 172.23.42.0/24 are this file's own.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterConfig, paths } from '../../cluster/src/config.js';
import { deployedKubeconfig, writeLocalOverlay } from '../../cluster/src/deployed.js';
import { serverCommand, serverDown, systemNamespace, systemUp } from '../../cluster/src/system.js';
import { httpGet } from '../../cluster/src/wait.js';
import { addressOf, applyYaml, getPool, recordsOf } from '../support/auto-pools.js';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';
import { applyDeployment, ippoolAnnotation, podOf, subnetAnnotation } from '../support/workloads.js';

const config = clusterConfig();
const { core, custom } = clients();
const repo = config.repoRoot;
const suffix = randomBytes(3).toString('hex');
const work = resolve(config.dir, `deploy-local-${suffix}`);
const serverLog = resolve(paths(config.dir).logs, `admission-ipam-deployed-${suffix}.log`);
const serviceAccount = `system:serviceaccount:${systemNamespace}:admission-ipam`;
const pool = `deployed-${suffix}`;
const subnets = [`deployed-a-${suffix}`, `deployed-b-${suffix}`];
let server: ChildProcess | undefined;
let testNamespace: string | undefined;

function must(args: string[], input?: string): string {
  const res = kubectl(args, input);
  if (res.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${res.stderr || res.stdout}`);
  return res.stdout;
}

/**
 * deploy/overlays/local copied next to the cluster's state, its webhook URLs pointed at this cluster's port (the
 * committed patches name the default port base). `uninstall` is the same install without the CRDs: the cluster's other
 * pools (and their finalizers, with no server left to remove them) would hold a CRD deletion, and the cluster is
 * shared with the tests that run after this one.
 */
function writeOverlays(): { install: string; uninstall: string } {
  const install = writeLocalOverlay(config, resolve(work, 'install'));
  const uninstall = resolve(work, 'uninstall');
  mkdirSync(uninstall, { recursive: true });
  const crds = ['spiderippools', 'spidersubnets', 'spiderreservedips'].map(
    (plural) =>
      `  - patch: |-\n      apiVersion: apiextensions.k8s.io/v1\n      kind: CustomResourceDefinition\n      metadata: {name: ${plural}.spiderpool.spidernet.io}\n      $patch: delete\n`,
  );
  writeFileSync(
    resolve(uninstall, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../install\npatches:\n${crds.join('')}`,
  );
  return { install, uninstall };
}

/** A kubeconfig for the local API server whose only credential is a bound token of the deployed ServiceAccount. */
const serviceAccountKubeconfig = (): string =>
  deployedKubeconfig(config, paths(config.dir).kubectl, systemNamespace, resolve(work, 'kubeconfig'));

function startServer(kubeconfig: string): ChildProcess {
  const { binary, args } = serverCommand(config, kubeconfig);
  const out = openSync(serverLog, 'a');
  const child = spawn(binary, args, {
    cwd: repo,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  return child;
}

async function stopServer(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

const canI = (verb: string, resource: string, namespace?: string) =>
  kubectl([
    'auth',
    'can-i',
    verb,
    resource,
    `--as=${serviceAccount}`,
    ...(namespace ? ['-n', namespace] : ['--all-namespaces']),
  ]).stdout.trim();

const ours = () =>
  must(['get', 'mutatingwebhookconfigurations,validatingwebhookconfigurations', '-o', 'name'])
    .split('\n')
    .filter((n) => n.endsWith('/admission-ipam'));

const subnetYaml = (name: string, octet: number) =>
  `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderSubnet\nmetadata: {name: ${name}}\nspec: {subnet: 172.23.${octet}.0/24, ips: ["172.23.${octet}.10-172.23.${octet}.50"]}\n`;

/** A Deployment with an automatic pool from the subnet. */
const applyAutoDeployment = (namespace: string, subnet: string) =>
  applyDeployment(namespace, {
    name: 'auto',
    replicas: 1,
    annotations: { ...subnetAnnotation({ ipv4: [subnet] }), 'ipam.spidernet.io/ippool-ip-number': '+1' },
  });

async function namespaceGone(name: string): Promise<void> {
  await pollUntil(`namespace ${name} to be deleted`, 120_000, async () => {
    const res = kubectl(['get', 'namespace', name, '-o', 'jsonpath={.status.phase}']);
    return res.status !== 0 && /NotFound/.test(res.stderr) ? { done: true, value: true } : { done: false, seen: res.stdout || res.stderr };
  });
}

afterAll(async () => {
  await stopServer();
  // The test server needs its namespace back: uninstall whatever a failed run left, and wait until it is gone.
  if (existsSync(resolve(work, 'uninstall'))) kubectl(['delete', '-k', resolve(work, 'uninstall'), '--ignore-not-found', '--wait=false']);
  await namespaceGone(systemNamespace).catch(() => {});
  // Before the test server comes back: with ADMISSION_IPAM_SERVER_CREDENTIALS=deployed it runs on these very objects.
  kubectl(['delete', 'clusterrole,clusterrolebinding', '-l', 'app.kubernetes.io/name=admission-ipam', '--ignore-not-found']);
  await systemUp(config, () => {});
  kubectl(['delete', 'spiderippool', pool, '--ignore-not-found', '--wait=false']);
  if (testNamespace) {
    kubectl(['delete', 'namespace', testNamespace, '--wait=false']);
    // The automatic pools first: a subnet that still hands addresses to pools refuses deletion.
    kubectl(['delete', 'spiderippool', '-l', `ipam.spidernet.io/owner-application-namespace=${testNamespace}`, '--timeout=60s']);
  }
  // A subnet is refused deletion until the status controller has seen its automatic pools go.
  await pollUntil('the test subnets to be deleted', 60_000, async () => {
    const res = kubectl(['delete', 'spidersubnet', ...subnets, '--ignore-not-found', '--wait=false']);
    return res.status === 0 ? { done: true, value: true } : { done: false, seen: res.stderr };
  }).catch(() => {});
  rmSync(work, { recursive: true, force: true });
}, 300_000);

describe('kubectl apply -k deploy/overlays/local, the server on the host with the deployed ServiceAccount', () => {
  it('serves, releases, leads and writes events under the deployed RBAC; delete -k leaves no webhook behind', async () => {
    await serverDown(config, () => {});
    // The namespace of the test server goes too, so the install starts from nothing of ours but the CRDs.
    kubectl(['delete', 'namespace', systemNamespace, '--ignore-not-found', '--wait=false']);
    await namespaceGone(systemNamespace);
    const { install, uninstall } = writeOverlays();
    must(['apply', '-k', install]);
    expect(ours().sort()).toEqual([
      'mutatingwebhookconfiguration.admissionregistration.k8s.io/admission-ipam',
      'validatingwebhookconfiguration.admissionregistration.k8s.io/admission-ipam',
    ]);

    // Least privilege as deployed, read back from the authorizer.
    expect(canI('list', 'secrets')).toBe('no');
    expect(canI('get', 'secrets/admission-ipam-webhook-tls', systemNamespace)).toBe('yes');
    expect(canI('get', 'secrets/other', systemNamespace)).toBe('no');
    expect(canI('update', 'pods')).toBe('no');
    expect(canI('create', 'mutatingwebhookconfigurations')).toBe('no');
    expect(canI('update', 'mutatingwebhookconfigurations/other')).toBe('no');
    expect(canI('patch', 'spiderippools.spiderpool.spidernet.io/status')).toBe('yes');
    expect(canI('get', 'pods')).toBe('no');

    server = startServer(serviceAccountKubeconfig());
    await pollUntil('admission-ipam (deployed ServiceAccount) to be ready', 60_000, async () => {
      if (server?.exitCode !== null) return { done: false, fatal: true, seen: `exited: ${readFileSync(serverLog, 'utf8').slice(-2000)}` };
      const ready = await httpGet(`http://127.0.0.1:${config.ports.health}/readyz`).catch((err: Error) => ({
        status: 0,
        body: err.message,
      }));
      return ready.status === 200 ? { done: true, value: true } : { done: false, seen: `${ready.status} ${ready.body}` };
    });
    // The server replaced the caBundle of the installed configurations (get + update, no create).
    const caBundle = must(['get', 'mutatingwebhookconfiguration', 'admission-ipam', '-o', 'jsonpath={.webhooks[0].clientConfig.caBundle}']);
    expect(caBundle.length).toBeGreaterThan(100);
    await pollUntil('the Lease to be held', 30_000, async () => {
      const holder = kubectl([
        'get',
        'lease',
        'admission-ipam-scaler',
        '-n',
        systemNamespace,
        '-o',
        'jsonpath={.spec.holderIdentity}',
      ]).stdout;
      return holder ? { done: true, value: holder } : { done: false, seen: 'no holder' };
    });

    // A Pod gets an address; deleting it gives the address back.
    const namespace = await createTestNamespace(core, 'deployed');
    testNamespace = namespace;
    applyYaml(
      `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: ${pool}}\nspec: {subnet: 172.23.40.0/24, ips: ["172.23.40.10-172.23.40.19"]}\n`,
    );
    const pod = await core.createNamespacedPod({ namespace, body: podOf({ name: 'p', annotations: ippoolAnnotation({ ipv4: [pool] }) }) });
    const { ip } = addressOf(pod);
    expect(ip).toMatch(/^172\.23\.40\./);
    await pollUntil('the record bound to the Pod', 30_000, async () => {
      const records = Object.values(recordsOf(await getPool(custom, pool)));
      return records[0]?.podUid === pod.metadata?.uid ? { done: true, value: true } : { done: false, seen: JSON.stringify(records) };
    });
    await core.deleteNamespacedPod({ namespace, name: 'p', gracePeriodSeconds: 0 });
    await pollUntil('the address released', 60_000, async () => {
      const records = recordsOf(await getPool(custom, pool));
      return Object.keys(records).length === 0 ? { done: true, value: true } : { done: false, seen: JSON.stringify(records) };
    });

    // An automatic pool from a subnet (pool create, subnet status, workload reads), then a Warning on the Deployment.
    applyYaml(`${subnetYaml(subnets[0] ?? '', 41)}---\n${subnetYaml(subnets[1] ?? '', 42)}`);
    applyAutoDeployment(namespace, subnets[0] ?? '');
    await pollUntil('the Deployment Pod with an address from the automatic pool', 90_000, async () => {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: 'app=auto' })).items;
      const assigned = pods.filter((p) => p.metadata?.annotations?.['ipam.spidernet.io/assigned-eth0']);
      return assigned.length === 1
        ? { done: true, value: true }
        : { done: false, seen: `${pods.length} Pods, ${assigned.length} assigned` };
    });
    applyAutoDeployment(namespace, subnets[1] ?? '');
    await pollUntil('a Warning event on the Deployment', 60_000, async () => {
      const events = (await core.listNamespacedEvent({ namespace })).items;
      const found = events.find((e) => e.type === 'Warning' && e.involvedObject.kind === 'Deployment');
      return found ? { done: true, value: found } : { done: false, seen: events.map((e) => e.reason).join(' ') };
    });

    // The workload goes: its automatic pool is deleted and the subnet hands its addresses back; then the test's own
    // objects go while the server still runs (pool and subnet deletions pass our validating webhooks).
    must(['delete', 'deployment', 'auto', '-n', namespace]);
    await pollUntil('the subnet to hand no address to any pool', 60_000, async () => {
      const count = kubectl(['get', 'spidersubnet', subnets[0] ?? '', '-o', 'jsonpath={.status.allocatedIPCount}']).stdout;
      return count === '0' || count === '' ? { done: true, value: true } : { done: false, seen: `allocatedIPCount ${count}` };
    });
    must(['delete', 'spidersubnet', ...subnets, '--timeout=60s']);
    must(['delete', 'spiderippool', pool, '--timeout=60s']);

    const log = readFileSync(serverLog, 'utf8');
    expect(log).toContain('admission-ipam serving');
    // An API call refused by RBAC reads `... is forbidden: User "system:serviceaccount:..." cannot <verb> resource ...`;
    // admission denials (code 403 in the AdmissionReview) are our answers, not refusals of our requests.
    expect(log.match(/.*(forbidden: User \\?"|cannot \w+ resource).*/g) ?? []).toEqual([]);

    // Uninstall while the server still runs: the configurations go with the kustomization, and nothing puts them back.
    must(['delete', '-k', uninstall, '--wait=false']);
    expect(ours()).toEqual([]);
    await stopServer();
    await namespaceGone(systemNamespace);
    expect(ours()).toEqual([]);
    // With no IPAM left, Pod creation is not blocked (the annotation just goes unanswered).
    const after = await core.createNamespacedPod({
      namespace,
      body: podOf({ name: 'after', annotations: ippoolAnnotation({ ipv4: [pool] }) }),
    });
    expect(after.metadata?.annotations?.['ipam.spidernet.io/assigned-eth0']).toBeUndefined();
    expect(kubectl(['get', 'clusterrole', 'admission-ipam']).status).not.toBe(0);
  }, 300_000);
});
