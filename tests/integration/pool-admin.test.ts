// Pool administration through kubectl against the real API server with our
// webhooks: what is accepted is defaulted and counted, what is refused names the
// field and the rule, and is not stored. CIDRs 172.30.0.0/16 and fd30::/64 are this file's own.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { clients, createTestNamespace, createUnmanagedPod, kubectl, pollUntil } from '../support/cluster.js';

const { core } = clients();

const suffix = randomBytes(3).toString('hex');
const created: string[] = [];

function apply(yaml: string) {
  return kubectl(['apply', '-f', '-'], yaml);
}

function pool(name: string, spec: string): string {
  created.push(`sp/${name}`);
  return `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}

interface StoredObject {
  metadata: { finalizers?: string[]; labels?: Record<string, string>; ownerReferences?: Array<Record<string, unknown>> };
  spec: Record<string, unknown>;
}

function getJSON(resource: string): StoredObject | undefined {
  const res = kubectl(['get', resource, '-o', 'json']);
  return res.status === 0 ? JSON.parse(res.stdout) : undefined;
}

async function waitForColumns(resource: string, expected: RegExp): Promise<string> {
  return pollUntil(`${resource} columns to match ${expected}`, 30_000, async () => {
    const out = kubectl(['get', resource, '--no-headers']).stdout.trim();
    return expected.test(out) ? { done: true, value: out } : { done: false, seen: out.trim() };
  });
}

afterAll(() => {
  for (const object of created.reverse()) kubectl(['delete', object, '--ignore-not-found', '--wait=false']);
});

describe('pool administration with the webhooks installed', () => {
  it('defaults a pool, counts its IPs, and shows Spiderpool columns', async () => {
    const name = `admin-a-${suffix}`;
    const res = apply(
      pool(
        name,
        '  subnet: 172.30.1.0/24\n  ips: ["172.30.1.20", "172.30.1.10-172.30.1.19", "172.30.1.15"]\n  excludeIPs: ["172.30.1.11"]\n  gateway: 172.30.1.1\n',
      ),
    );
    expect(res.status, res.stderr).toBe(0);
    const stored = getJSON(`sp/${name}`);
    expect(stored?.spec).toMatchObject({ ipVersion: 4, ips: ['172.30.1.10-172.30.1.20'], excludeIPs: ['172.30.1.11'] });
    expect(stored?.metadata.finalizers).toEqual(['spiderpool.spidernet.io']);
    expect(stored?.metadata.labels).toMatchObject({ 'ipam.spidernet.io/ippool-cidr': '172-30-1-0-24' });
    // 11 addresses minus one excluded; the status controller writes the counts
    const row = await waitForColumns(`sp/${name}`, /^\S+\s+4\s+172\.30\.1\.0\/24\s+0\s+10\s+false\s+\S+$/);
    expect(row).toContain(name);
    const header = kubectl(['get', `sp/${name}`]).stdout.split('\n')[0] ?? '';
    expect(header.split(/\s+/)).toEqual(['NAME', 'VERSION', 'SUBNET', 'ALLOCATED-IP-COUNT', 'TOTAL-IP-COUNT', 'DEFAULT', 'AGE']);
  });

  it.each([
    [
      'an IP outside the subnet',
      '  subnet: 172.30.2.0/24\n  ips: ["172.30.3.5"]\n',
      /spec\.ips\[0\]: Invalid value: "172\.30\.3\.5": is not inside spec\.subnet 172\.30\.2\.0\/24/,
    ],
    [
      'a reversed range',
      '  subnet: 172.30.2.0/24\n  ips: ["172.30.2.9-172.30.2.3"]\n',
      /spec\.ips\[0\]: Invalid value: "172\.30\.2\.9-172\.30\.2\.3": .*ends before it starts/,
    ],
    [
      'a gateway inside ips',
      '  subnet: 172.30.2.0/24\n  ips: ["172.30.2.1-172.30.2.9"]\n  gateway: 172.30.2.1\n',
      /spec\.gateway: Invalid value: "172\.30\.2\.1": .*add it to spec\.excludeIPs/,
    ],
    [
      'a family mismatch',
      '  ipVersion: 6\n  subnet: 172.30.2.0/24\n',
      /spec\.subnet: Invalid value: "172\.30\.2\.0\/24": is an IPv4 CIDR but spec\.ipVersion is 6/,
    ],
    ['an octal-looking IP', '  subnet: 172.30.2.0/24\n  ips: ["172.30.2.010"]\n', /spec\.ips\[0\].*leading zero/],
    ['a default route', '  subnet: 172.30.2.0/24\n  routes: [{dst: 0.0.0.0/0, gw: 172.30.2.1}]\n', /spec\.routes\[0\]\.dst.*spec\.gateway/],
  ])('refuses %s, naming the field, and stores nothing', (_what, spec, message) => {
    const name = `admin-bad-${randomBytes(2).toString('hex')}-${suffix}`;
    const res = apply(pool(name, spec));
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(new RegExp(`The SpiderIPPool "${name}" is invalid`));
    expect(res.stderr).toMatch(message);
    expect(kubectl(['get', `sp/${name}`]).stderr).toMatch(/NotFound/);
  });

  it('refuses overlapping pools: another subnet that overlaps, or the same IPs in the same subnet', () => {
    expect(apply(pool(`admin-o1-${suffix}`, '  subnet: 172.30.4.0/24\n  ips: ["172.30.4.10-172.30.4.20"]\n')).status).toBe(0);
    const wider = apply(pool(`admin-o2-${suffix}`, '  subnet: 172.30.4.0/23\n'));
    expect(wider.stderr).toMatch(
      new RegExp(`spec\\.subnet: Invalid value: "172\\.30\\.4\\.0/23": overlaps 172\\.30\\.4\\.0/24 of SpiderIPPool "admin-o1-${suffix}"`),
    );
    const sameIPs = apply(pool(`admin-o3-${suffix}`, '  subnet: 172.30.4.0/24\n  ips: ["172.30.4.20-172.30.4.25"]\n'));
    expect(sameIPs.stderr).toMatch(new RegExp(`172\\.30\\.4\\.20 already belong to SpiderIPPool "admin-o1-${suffix}"`));
    expect(apply(pool(`admin-o4-${suffix}`, '  subnet: 172.30.4.0/24\n  ips: ["172.30.4.21-172.30.4.25"]\n')).status).toBe(0);
  });

  it('stores a non-canonical subnet in canonical form and says so', () => {
    const name = `admin-c-${suffix}`;
    const res = apply(pool(name, '  subnet: 172.30.5.7/24\n'));
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toContain('spec.subnet "172.30.5.7/24" is stored in canonical form "172.30.5.0/24"');
    expect(getJSON(`sp/${name}`)?.spec.subnet).toBe('172.30.5.0/24');
  });

  it('refuses changes to immutable fields', () => {
    const name = `admin-i-${suffix}`;
    expect(apply(pool(name, '  subnet: 172.30.6.0/24\n')).status).toBe(0);
    const res = kubectl(['patch', `sp/${name}`, '--type=merge', '-p', '{"spec":{"subnet":"172.30.6.0/25"}}']);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/spec\.subnet: Invalid value: "172\.30\.6\.0\/25": is immutable \(was "172\.30\.6\.0\/24"\)/);
    const v = kubectl(['patch', `sp/${name}`, '--type=merge', '-p', '{"spec":{"ipVersion":6}}']);
    expect(v.stderr).toMatch(/spec\.ipVersion: Invalid value: 6: is immutable \(was 4\)/);
  });

  it('refuses to delete or shrink a pool whose IPs are in use, and lets it go once they are released', async () => {
    const name = `admin-d-${suffix}`;
    expect(apply(pool(name, '  subnet: 172.30.7.0/24\n  ips: ["172.30.7.10-172.30.7.12"]\n')).status).toBe(0);
    const holder = await createUnmanagedPod(core, await createTestNamespace(core, 'holder'), 'holder');
    const record = JSON.stringify({ '172.30.7.11': holder });
    const patched = kubectl([
      'patch',
      `sp/${name}`,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { allocatedIPs: record } }),
    ]);
    expect(patched.status, patched.stderr).toBe(0);
    await waitForColumns(`sp/${name}`, /\s1\s+3\s+false/);
    const shrink = kubectl(['patch', `sp/${name}`, '--type=merge', '-p', '{"spec":{"excludeIPs":["172.30.7.11"]}}']);
    expect(shrink.stderr).toContain(`172.30.7.11 is allocated to Pod ${holder.pod}`);
    const del = kubectl(['delete', `sp/${name}`, '--wait=false']);
    expect(del.status).not.toBe(0);
    expect(del.stderr).toMatch(new RegExp(`SpiderIPPool "${name}" still has 1 allocated IPs`));
    expect(getJSON(`sp/${name}`)).toBeDefined();
    expect(kubectl(['patch', `sp/${name}`, '--subresource=status', '--type=merge', '-p', '{"status":{"allocatedIPs":null}}']).status).toBe(
      0,
    );
    await waitForColumns(`sp/${name}`, /\s0\s+3\s+false/);
    expect(kubectl(['delete', `sp/${name}`, '--wait=false']).status).toBe(0);
    await pollUntil(`pool ${name} to be gone`, 30_000, async () => {
      const res = kubectl(['get', `sp/${name}`, '-o', 'jsonpath={.metadata.finalizers}']);
      return res.status !== 0 && /NotFound/.test(res.stderr)
        ? { done: true, value: undefined }
        : { done: false, seen: res.stdout || res.stderr };
    });
  });

  it('manages subnets and reserved IPs: counts, adoption of a pool of the same CIDR, refusals', async () => {
    const subnet = `admin-s-${suffix}`;
    created.push(`ss/${subnet}`);
    const res = apply(
      `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderSubnet\nmetadata:\n  name: ${subnet}\nspec:\n  subnet: 172.30.8.0/24\n  ips: ["172.30.8.10-172.30.8.29"]\n  gateway: 172.30.8.1\n  routes: [{dst: 10.99.0.0/16, gw: 172.30.8.1}]\n`,
    );
    expect(res.status, res.stderr).toBe(0);
    const member = `admin-sp-${suffix}`;
    expect(apply(pool(member, '  subnet: 172.30.8.0/24\n  ips: ["172.30.8.10-172.30.8.14"]\n')).status).toBe(0);
    const adopted = getJSON(`sp/${member}`);
    expect(adopted?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'SpiderSubnet', name: subnet, controller: true });
    expect(adopted?.spec).toMatchObject({ gateway: '172.30.8.1', routes: [{ dst: '10.99.0.0/16', gw: '172.30.8.1' }] });
    await waitForColumns(`ss/${subnet}`, /^\S+\s+4\s+172\.30\.8\.0\/24\s+5\s+20\s+\S+$/);
    const outside = apply(pool(`admin-sp2-${suffix}`, '  subnet: 172.30.8.0/24\n  ips: ["172.30.8.40"]\n'));
    expect(outside.stderr).toMatch(new RegExp(`172\\.30\\.8\\.40 are not IPs of the controlling SpiderSubnet "${subnet}"`));
    const shrink = kubectl(['patch', `ss/${subnet}`, '--type=merge', '-p', '{"spec":{"ips":["172.30.8.20-172.30.8.29"]}}']);
    expect(shrink.stderr).toMatch(new RegExp(`172\\.30\\.8\\.10-172\\.30\\.8\\.14 are held by SpiderIPPool "${member}"`));
    const twin = apply(
      `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderSubnet\nmetadata:\n  name: ${subnet}-twin\nspec:\n  subnet: 172.30.8.0/25\n`,
    );
    expect(twin.stderr).toMatch(/one SpiderSubnet per network/);

    const reserved = `admin-r-${suffix}`;
    created.push(`sr/${reserved}`);
    const r = apply(
      `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderReservedIP\nmetadata:\n  name: ${reserved}\nspec:\n  ips: ["fd30::9", "fd30::1-fd30::8"]\n`,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(getJSON(`sr/${reserved}`)?.spec).toEqual({ ipVersion: 6, ips: ['fd30::1-fd30::9'] });
    expect(
      kubectl(['get', `sr/${reserved}`])
        .stdout.split('\n')[0]
        ?.split(/\s+/),
    ).toEqual(['NAME', 'VERSION', 'AGE']);
    const badReserved = apply(
      `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderReservedIP\nmetadata:\n  name: ${reserved}-bad\nspec:\n  ipVersion: 4\n  ips: ["fd30::1"]\n`,
    );
    expect(badReserved.stderr).toMatch(/spec\.ips\[0\]: Invalid value: "fd30::1": is IPv6 but spec\.ipVersion is 4/);
  });
});
