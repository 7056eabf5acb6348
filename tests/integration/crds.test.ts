// The Spiderpool-compatible CRDs in deploy/crds on the real API server: names and categories, the printer columns
// kubectl shows (Spiderpool's, then AGE), the schema's enums, and the seeds' Multus manifests (the Spiderpool ones are
// applied for real in seed-examples.test.ts).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { clients, createTestNamespace, createUnmanagedPod, kubectl, pollUntil } from '../support/cluster.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const { kc, custom, core } = clients();
const apiextensions = kc.makeApiClient(ApiextensionsV1Api);

const group = 'spiderpool.spidernet.io';
const version = 'v2beta1';
const crdFiles = [
  'deploy/crds/spiderpool.spidernet.io_spiderippools.yaml',
  'deploy/crds/spiderpool.spidernet.io_spidersubnets.yaml',
  'deploy/crds/spiderpool.spidernet.io_spiderreservedips.yaml',
  'tests/fixtures/crds/k8s.cni.cncf.io_network-attachment-definitions.yaml',
];
const crdNames = [
  `spiderippools.${group}`,
  `spidersubnets.${group}`,
  `spiderreservedips.${group}`,
  'network-attachment-definitions.k8s.cni.cncf.io',
];

// Unique per run: other sessions share this cluster, and a validating webhook (when installed) refuses a pool
// whose subnet overlaps another pool's, so the CIDRs are random /24s of the benchmarking range 198.18.0.0/15.
const suffix = randomBytes(3).toString('hex');
const runLabel = { 'admission-ipam.io/crds-test': suffix };
const randomOctet = () => randomBytes(1)[0] ?? 0;
const poolName = `crds-pool-${suffix}`;
const poolNet = `198.18.${randomOctet()}`;
const poolSubnet = `${poolNet}.0/24`;
const subnetName = `crds-subnet-${suffix}`;
const subnetNet = `198.19.${randomOctet()}`;
const subnetSubnet = `${subnetNet}.0/24`;
const reservedName = `crds-reserved-${suffix}`;
const gvr = {
  pool: { group, version, plural: 'spiderippools' },
  subnet: { group, version, plural: 'spidersubnets' },
  reserved: { group, version, plural: 'spiderreservedips' },
};

/**
 * Header and rows of `kubectl get` as whitespace-separated cells. kubectl prints an empty cell as blanks, so every
 * column the tests read is given a value and no value contains a space.
 */
function table(args: string[]): string[][] {
  const res = kubectl(['get', ...args]);
  expect(res.stderr, `kubectl get ${args.join(' ')}`).toBe('');
  expect(res.status).toBe(0);
  return res.stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
}

// kubectl prints a date column as a short age: 0s, 42s, 3m12s, 5h, 2d3h...
const age = expect.stringMatching(/^(\d+[smhdy])+$/);

function established(crd: V1CustomResourceDefinition): boolean {
  return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .map((f) => join(dir, f))
    .sort();
}

function kindsIn(file: string): Array<{ apiVersion: string; kind: string }> {
  return parseAllDocuments(readFileSync(join(repoRoot, file), 'utf8'))
    .map((doc) => doc.toJS() as { apiVersion?: unknown; kind?: unknown } | null)
    .filter((obj) => obj !== null)
    .map((obj) => ({ apiVersion: String(obj.apiVersion), kind: String(obj.kind) }));
}

const exampleFiles = filesUnder('examples');
const nadExamples = exampleFiles.filter((f) => kindsIn(f).some((k) => k.apiVersion.startsWith('k8s.cni.cncf.io/')));

describe('Spiderpool CRDs', () => {
  beforeAll(async () => {
    for (const file of crdFiles) {
      const applied = kubectl(['apply', '--server-side', '-f', join(repoRoot, file)]);
      if (applied.status !== 0) throw new Error(`kubectl apply --server-side -f ${file} failed: ${applied.stderr}`);
    }
    for (const name of crdNames) {
      await pollUntil(`CRD ${name} to be Established`, 60_000, async () => {
        const crd = await apiextensions.readCustomResourceDefinition({ name });
        return established(crd) ? { done: true, value: crd } : { done: false, seen: JSON.stringify(crd.status?.conditions ?? []) };
      });
    }
  });

  // The CRDs stay installed: they are the project's shared install, and other test files may be using them.
  afterAll(async () => {
    // A pool with allocation records cannot be deleted: release them first.
    await custom
      .patchClusterCustomObjectStatus({ ...gvr.pool, name: poolName, body: [{ op: 'replace', path: '/status/allocatedIPs', value: null }] })
      .catch(() => undefined);
    await pollUntil('the pool to count no allocations', 30_000, async () => {
      const out = kubectl(['get', 'sp', poolName, '-o', 'jsonpath={.status.allocatedIPCount}']);
      return out.status !== 0 || out.stdout === '0' ? { done: true, value: undefined } : { done: false, seen: out.stdout };
    });
    await custom.deleteClusterCustomObject({ ...gvr.pool, name: poolName }).catch(() => undefined);
    await custom.deleteClusterCustomObject({ ...gvr.pool, name: `${subnetName}-member` }).catch(() => undefined);
    // The subnet can be deleted once it records no pool holding its IPs.
    await pollUntil('the subnet to hold no pools', 30_000, async () => {
      const out = kubectl(['get', 'ss', subnetName, '-o', 'jsonpath={.status.allocatedIPCount}']);
      return out.status !== 0 || out.stdout === '0' ? { done: true, value: undefined } : { done: false, seen: out.stdout };
    });
    await custom.deleteClusterCustomObject({ ...gvr.subnet, name: subnetName }).catch(() => undefined);
    await custom.deleteClusterCustomObject({ ...gvr.reserved, name: reservedName }).catch(() => undefined);
  });

  it.each([
    { name: `spiderippools.${group}`, kind: 'SpiderIPPool', shortName: 'sp', status: true },
    { name: `spidersubnets.${group}`, kind: 'SpiderSubnet', shortName: 'ss', status: true },
    { name: `spiderreservedips.${group}`, kind: 'SpiderReservedIP', shortName: 'sr', status: false },
  ])('$kind is cluster-scoped, v2beta1 only, short name $shortName, category spiderpool', async ({ name, kind, shortName, status }) => {
    const crd = await apiextensions.readCustomResourceDefinition({ name });
    expect(crd.spec.scope).toBe('Cluster');
    expect(crd.spec.names).toMatchObject({ kind, shortNames: [shortName], categories: ['spiderpool'] });
    expect(crd.spec.versions.map((v) => ({ name: v.name, served: v.served, storage: v.storage }))).toEqual([
      { name: version, served: true, storage: true },
    ]);
    expect(crd.spec.versions[0]?.subresources?.status !== undefined).toBe(status);
  });

  it('is found by kubectl under its short names and category', async () => {
    const discovered = await pollUntil('discovery to list the three kinds with short names and category', 30_000, async () => {
      const res = kubectl(['api-resources', `--api-group=${group}`, '-o', 'wide', '--no-headers']);
      const ok = ['spiderippools\\s+sp\\s', 'spidersubnets\\s+ss\\s', 'spiderreservedips\\s+sr\\s'].every((start) =>
        new RegExp(`^${start}.*\\sspiderpool$`, 'm').test(res.stdout),
      );
      return ok ? { done: true, value: res.stdout } : { done: false, seen: res.stdout + res.stderr };
    });
    expect(discovered).toMatch(/^spiderippools\s+sp\s+spiderpool\.spidernet\.io\/v2beta1\s+false\s+SpiderIPPool\s/m);
    const nothing = kubectl(['get', 'spiderpool', '-l', `admission-ipam.io/crds-test=${suffix}`]);
    expect(nothing).toMatchObject({ status: 0, stdout: '', stderr: 'No resources found\n' });
    const nad = kubectl(['get', 'net-attach-def', '-n', 'kube-system', '-l', `admission-ipam.io/crds-test=${suffix}`]);
    expect(nad).toMatchObject({ status: 0, stdout: '' });
  });

  it('prints a SpiderIPPool as Spiderpool does, then AGE, with status written through /status', async () => {
    await custom.createClusterCustomObject({
      ...gvr.pool,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'SpiderIPPool',
        metadata: { name: poolName, labels: runLabel },
        spec: {
          ipVersion: 4,
          subnet: poolSubnet,
          ips: [`${poolNet}.10-${poolNet}.19`],
          nodeName: ['node-a', 'node-b'],
          multusName: ['kube-system/macvlan-eth0'],
          podAffinity: { matchLabels: { 'ipam.spidernet.io/app-namespace': 'shop' } },
        },
        // dropped: with the status subresource on, status is written only through /status
        status: { allocatedIPCount: 7 },
      },
    });
    const created = (await custom.getClusterCustomObject({ ...gvr.pool, name: poolName })) as {
      spec: Record<string, unknown>;
      status?: unknown;
    };
    expect((created.status as { allocatedIPCount?: number } | undefined)?.allocatedIPCount).not.toBe(7);
    expect(created.spec).toMatchObject({ default: false, disable: false }); // CRD defaults
    // Two records; the status controller derives the counts from them and from spec.ips.
    const shop = await createTestNamespace(core, 'shop');
    const records = {
      [`${poolNet}.10`]: await createUnmanagedPod(core, shop, 'a'),
      [`${poolNet}.11`]: await createUnmanagedPod(core, shop, 'b'),
    };
    await custom.patchClusterCustomObjectStatus({
      ...gvr.pool,
      name: poolName,
      body: [{ op: 'add', path: '/status', value: { allocatedIPs: JSON.stringify(records) } }],
    });
    await pollUntil('the pool counts 2 of 10', 30_000, async () => {
      const out = kubectl(['get', 'sp', poolName, '-o', 'jsonpath={.status.allocatedIPCount}/{.status.totalIPCount}']).stdout;
      return out === '2/10' ? { done: true, value: out } : { done: false, seen: out };
    });

    const [header, row, ...more] = table(['sp', poolName]);
    expect(header).toEqual(['NAME', 'VERSION', 'SUBNET', 'ALLOCATED-IP-COUNT', 'TOTAL-IP-COUNT', 'DEFAULT', 'AGE']);
    expect(row).toEqual([poolName, '4', poolSubnet, '2', '10', 'false', age]);
    expect(more).toEqual([]);

    const [wideHeader, wideRow] = table(['sp', poolName, '-o', 'wide']);
    expect(wideHeader).toEqual([
      'NAME',
      'VERSION',
      'SUBNET',
      'ALLOCATED-IP-COUNT',
      'TOTAL-IP-COUNT',
      'DEFAULT',
      'DISABLE',
      'NODENAME',
      'MULTUSNAME',
      'APP-NAMESPACE',
      'AGE',
    ]);
    expect(wideRow).toEqual([
      poolName,
      '4',
      poolSubnet,
      '2',
      '10',
      'false',
      'false',
      '["node-a","node-b"]',
      '["kube-system/macvlan-eth0"]',
      'shop',
      age,
    ]);
  });

  it('prints a SpiderSubnet as Spiderpool does, then AGE', async () => {
    await custom.createClusterCustomObject({
      ...gvr.subnet,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'SpiderSubnet',
        metadata: { name: subnetName, labels: runLabel },
        spec: { ipVersion: 4, subnet: subnetSubnet, ips: [`${subnetNet}.1-${subnetNet}.10`] },
      },
    });
    // A pool of the same CIDR is adopted by the subnet, which then counts the 3 IPs it holds.
    await custom.createClusterCustomObject({
      ...gvr.pool,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'SpiderIPPool',
        metadata: { name: `${subnetName}-member` },
        spec: { subnet: subnetSubnet, ips: [`${subnetNet}.1-${subnetNet}.3`] },
      },
    });
    await pollUntil('the subnet counts 3 of 10', 30_000, async () => {
      const out = kubectl(['get', 'ss', subnetName, '-o', 'jsonpath={.status.allocatedIPCount}/{.status.totalIPCount}']).stdout;
      return out === '3/10' ? { done: true, value: out } : { done: false, seen: out };
    });
    const [header, row] = table(['ss', subnetName]);
    expect(header).toEqual(['NAME', 'VERSION', 'SUBNET', 'ALLOCATED-IP-COUNT', 'TOTAL-IP-COUNT', 'AGE']);
    expect(row).toEqual([subnetName, '4', subnetSubnet, '3', '10', age]);
  });

  it('prints a SpiderReservedIP as Spiderpool does, then AGE; the kind has no /status', async () => {
    await custom.createClusterCustomObject({
      ...gvr.reserved,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'SpiderReservedIP',
        metadata: { name: reservedName, labels: runLabel },
        spec: { ipVersion: 4, ips: ['198.18.0.40', '198.18.0.50-198.18.0.52'] },
      },
    });
    const [header, row] = table(['sr', reservedName]);
    expect(header).toEqual(['NAME', 'VERSION', 'AGE']);
    expect(row).toEqual([reservedName, '4', age]);
    const raw = kubectl(['get', '--raw', `/apis/${group}/${version}/spiderreservedips/${reservedName}/status`]);
    expect(raw.status).not.toBe(0);
    expect(raw.stderr).toMatch(/NotFound|not found/);
  });

  it('lists all three kinds under the category spiderpool', () => {
    const res = kubectl(['get', 'spiderpool', '-l', `admission-ipam.io/crds-test=${suffix}`, '-o', 'name']);
    expect(res).toMatchObject({ status: 0, stderr: '' });
    expect(res.stdout.trim().split('\n').sort()).toEqual([
      `spiderippool.${group}/${poolName}`,
      `spiderreservedip.${group}/${reservedName}`,
      `spidersubnet.${group}/${subnetName}`,
    ]);
  });

  it.each([
    { kind: 'SpiderIPPool', spec: 'ipVersion: 5, subnet: 198.18.0.0/24' },
    { kind: 'SpiderSubnet', spec: 'ipVersion: 5, subnet: 198.18.0.0/24' },
    { kind: 'SpiderReservedIP', spec: 'ipVersion: 5, ips: [198.18.0.1]' },
  ])('$kind: the schema refuses ipVersion 5 and names spec.ipVersion', ({ kind, spec }) => {
    const manifest = `apiVersion: ${group}/${version}\nkind: ${kind}\nmetadata: {name: crds-bad-${suffix}}\nspec: {${spec}}\n`;
    const res = kubectl(['apply', '--dry-run=server', '-f', '-'], manifest);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('spec.ipVersion: Unsupported value: 5: supported values: "4", "6"');
  });

  it.each([
    { kind: 'SpiderIPPool', spec: '{ips: [198.18.0.1]}', message: 'spec.subnet: Required value' },
    { kind: 'SpiderSubnet', spec: '{subnet: 198.18.0.0/24, routes: [{dst: 10.0.0.0/8}]}', message: 'spec.routes[0].gw: Required value' },
  ])('$kind: the schema refuses a missing required field ($message)', ({ kind, spec, message }) => {
    const manifest = `apiVersion: ${group}/${version}\nkind: ${kind}\nmetadata: {name: crds-bad-${suffix}}\nspec: ${spec}\n`;
    const res = kubectl(['apply', '--dry-run=server', '-f', '-'], manifest);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(message);
  });

  it('has seed examples to check', () => {
    expect(nadExamples.length).toBeGreaterThan(0);
  });

  it.each(nadExamples)('accepts the Multus manifest %s with the NAD fixture CRD (server dry run)', (file) => {
    const res = kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', join(repoRoot, file)]);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
