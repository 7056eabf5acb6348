// Every IPAM and Multus annotation on a Pod template in examples/ (the seed manifests, which must work unchanged)
// parses, and the values read are the ones the seeds mean.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  multusInterfaces,
  parseIPPoolAnnotation,
  parseIPPoolIPNumber,
  parseIPPoolReclaim,
  parseIPPoolsAnnotation,
  parseRoutesAnnotation,
  parseSubnetAnnotation,
  parseSubnetsAnnotation,
} from '../../../../ipam/model/index.js';

const examples = new URL('../../../../examples/', import.meta.url);
const parsers: Record<string, (value: string) => { ok: boolean; value?: unknown }> = {
  'ipam.spidernet.io/ippool': parseIPPoolAnnotation,
  'ipam.spidernet.io/ippools': parseIPPoolsAnnotation,
  'ipam.spidernet.io/subnet': parseSubnetAnnotation,
  'ipam.spidernet.io/subnets': parseSubnetsAnnotation,
  'ipam.spidernet.io/routes': parseRoutesAnnotation,
  'ipam.spidernet.io/ippool-ip-number': parseIPPoolIPNumber,
  'ipam.spidernet.io/ippool-reclaim': parseIPPoolReclaim,
};

interface Workload {
  file: string;
  name: string;
  annotations: Record<string, string>;
}

const workloads: Workload[] = readdirSync(examples, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(file, examples), 'utf8')).map((doc) => {
      const o = doc.toJSON() as {
        metadata?: { name?: string };
        spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
      };
      return { file, name: o?.metadata?.name ?? '', annotations: o?.spec?.template?.metadata?.annotations ?? {} };
    }),
  )
  .filter((w) => Object.keys(w.annotations).length > 0);

const read = (name: string, key: string) => {
  // Two seeds call their Deployment test-app: take the one that carries the annotation.
  const w = workloads.find((x) => x.name === name && Object.hasOwn(x.annotations, key));
  const value = w?.annotations[key];
  return value === undefined ? undefined : parsers[key]?.(value);
};

describe('seed Pod templates', () => {
  it('finds the annotated workloads', () => {
    expect(workloads.length).toBeGreaterThanOrEqual(10);
  });

  it.each(
    workloads.flatMap((w) => Object.entries(w.annotations).map(([key, value]) => [`${w.file} ${w.name} ${key}`, key, value] as const)),
  )('%s parses', (_, key, value) => {
    const parser = parsers[key];
    if (parser) expect(parser(value)).toMatchObject({ ok: true });
    else if (key.includes('cni'))
      expect(multusInterfaces({ [key]: value }, 'default', { multusNamespace: 'kube-system' })).toMatchObject({ ok: true });
    else throw new Error(`no parser for annotation ${key}`);
  });

  it.each<[string, string, unknown]>([
    ['nginx-m', 'ipam.spidernet.io/ippool', { ipv4: ['nginx-v4-ippool'], ipv6: [] }],
    ['custom-ippool-deploy', 'ipam.spidernet.io/ippool', { ipv4: ['subnet-test'], ipv6: [] }],
    ['test-app-1', 'ipam.spidernet.io/ippool', { ipv4: ['test-node1-ippool'], ipv6: [] }],
    ['shared-static-ippool-deploy-2', 'ipam.spidernet.io/ippool', { ipv4: ['shared-static-ipv4-ippool'], ipv6: [] }],
    ['nginx', 'ipam.spidernet.io/subnet', { interface: 'eth0', ipv4: 'nginx-subnet-v4' }],
    ['nginx', 'ipam.spidernet.io/ippool-ip-number', { kind: 'flexible', n: 3 }],
    [
      'test-app',
      'ipam.spidernet.io/subnets',
      [
        { interface: 'eth0', ipv4: 'subnet-test-ens192' },
        { interface: 'net1', ipv4: 'subnet-test-ens224' },
      ],
    ],
    ['test-app', 'ipam.spidernet.io/ippool-ip-number', { kind: 'flexible', n: 1 }],
  ])('%s %s', (name, key, value) => expect(read(name, key)).toEqual({ ok: true, value }));

  it('gives seed 001 the interfaces eth0 and net1 on the two NADs', () => {
    const w = workloads.find((x) => x.file.includes('two-nics-auto-pools'));
    expect(multusInterfaces(w?.annotations ?? {}, 'default', { multusNamespace: 'kube-system' })).toEqual({
      ok: true,
      value: [
        { name: 'eth0', index: 0, network: 'kube-system/macvlan-conf-ens192' },
        { name: 'net1', index: 1, network: 'kube-system/macvlan-conf-ens224' },
      ],
    });
  });
});
