// The Helm chart and the kustomize base are written separately; with default values they must render the same
// objects. Rendering needs no cluster, only the binaries: kubectl (the local control plane's, from globalSetup) and helm
// built by deploy/helm/build-helm.sh (.ci/run builds it before the tests).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const root = resolve(import.meta.dirname, '..', '..');
const chart = resolve(root, 'deploy/helm/admission-ipam');

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

function run(binary: string, args: string[]): string {
  const res = spawnSync(binary, args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`${binary} ${args.join(' ')} failed: ${res.stderr || res.error}`);
  return res.stdout;
}

function helmBinary(): string {
  const res = spawnSync('bash', [resolve(root, 'deploy/helm/build-helm.sh'), '--check'], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`helm is needed for this test: ${res.stderr.trim()}`);
  return res.stdout.trim().split('\n').pop() ?? '';
}

/** The chart rendered as release `x` in namespace `ipam`, with these value flags. */
const helmTemplate = (valueFlags: string[]): string => run(helmBinary(), ['template', 'x', chart, '--namespace', 'ipam', ...valueFlags]);

/** Objects by kind/namespace/name, with map keys sorted so that key order in the sources does not matter. */
function objects(text: string): Map<string, unknown> {
  const sortKeys = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, sortKeys(v)]),
      );
    }
    return value;
  };
  const byKey = new Map<string, unknown>();
  for (const doc of parseAllDocuments(text)) {
    const object = doc.toJS() as KubeObject | null;
    if (!object) continue;
    byKey.set(`${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`, sortKeys(object));
  }
  return byKey;
}

describe('Helm chart', () => {
  it('renders, with default values, the objects of `kubectl kustomize deploy/` (all but the Namespace)', () => {
    const helm = helmBinary();
    const kustomized = objects(run(inject('kubectl'), ['kustomize', resolve(root, 'deploy')]));
    const templated = objects(run(helm, ['template', 'admission-ipam', chart, '--namespace', 'admission-ipam-system', '--include-crds']));
    // Helm leaves the namespace to `helm install --create-namespace`.
    expect(kustomized.delete('Namespace /admission-ipam-system')).toBe(true);
    expect([...templated.keys()].sort()).toEqual([...kustomized.keys()].sort());
    for (const [key, object] of kustomized) expect(templated.get(key), key).toEqual(object);
  });

  it('carries deploy/crds unchanged in crds/', () => {
    for (const file of readdirSync(resolve(root, 'deploy/crds')).filter((f) => f.endsWith('.yaml'))) {
      expect(readFileSync(resolve(chart, 'crds', file), 'utf8'), file).toBe(readFileSync(resolve(root, 'deploy/crds', file), 'utf8'));
    }
  });

  it.each([
    ['certificate.mode=nope', /certificate.mode=nope: expected builtin, provided or cert-manager/],
    ['primaryNetwork=all', /primaryNetwork=all: expected ours, annotated or other/],
    ['certificate.mode=provided', /certificate.secretName is required/],
  ])('refuses --set %s with a message', (set, message) => {
    const res = spawnSync(helmBinary(), ['template', 'x', chart, '--set', set], { encoding: 'utf8' });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(message);
  });

  it('values reach the flags, the webhooks and the RBAC', () => {
    const text = helmTemplate([
      '--set',
      'replicas=3,primaryNetwork=ours,ipv6.enabled=false,deleteProtection=false,gc.interval=5m',
      '--set',
      'gc.pendingReservationTTL=30s,autoPool.defaultRedundantIPs=2,metrics.enabled=false,cni.enabled=false',
      '--set',
      'certificate.mode=provided,certificate.secretName=my-tls,excludedNamespaces={kube-system,monitoring}',
    ]);
    const all = objects(text);
    const deployment = all.get('Deployment ipam/admission-ipam') as {
      spec: {
        replicas: number;
        template: { metadata: { annotations?: unknown }; spec: { containers: Array<{ args: string[] }>; volumes: unknown[] } };
      };
    };
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.metadata.annotations).toBeUndefined();
    expect(deployment.spec.template.spec.containers[0]?.args).toEqual(
      expect.arrayContaining([
        '--primary-network=ours',
        '--enable-ipv6=false',
        '--validate-deletion=false',
        '--gc-interval=5m',
        '--pending-reservation-ttl=30s',
        '--auto-pool-default-redundant-ips=2',
        '--cert-file=/etc/admission-ipam/tls/tls.crt',
      ]),
    );
    expect(deployment.spec.template.spec.volumes).toEqual([{ name: 'tls', secret: { secretName: 'my-tls' } }]);
    expect([...all.keys()].some((k) => k.startsWith('DaemonSet'))).toBe(false);
    const role = all.get('Role ipam/admission-ipam') as { rules: Array<{ resources: string[] }> };
    expect(role.rules.flatMap((r) => r.resources)).not.toContain('secrets');
    const mutating = all.get('MutatingWebhookConfiguration /admission-ipam') as {
      webhooks: Array<{
        name: string;
        clientConfig: { service: { namespace: string } };
        namespaceSelector?: { matchExpressions: Array<{ values: string[] }> };
      }>;
    };
    const pod = mutating.webhooks.find((w) => w.name.startsWith('mutate-pod'));
    expect(pod?.clientConfig.service.namespace).toBe('ipam');
    expect(pod?.namespaceSelector?.matchExpressions[0]?.values).toEqual(['kube-system', 'monitoring', 'ipam']);
  });

  it('narrows both Pod webhooks to the namespaces podWebhook.namespaceSelector picks, besides the exclusions', () => {
    const selector = {
      matchLabels: { 'admission-ipam.spidernet.io/enabled': 'true' },
      matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['infra'] }],
    };
    const text = helmTemplate(['--set-json', `podWebhook.namespaceSelector=${JSON.stringify(selector)}`]);
    const all = objects(text);
    type Configuration = {
      webhooks: Array<{ name: string; namespaceSelector?: { matchLabels?: unknown; matchExpressions: Array<{ key: string }> } }>;
    };
    const podWebhooks = ['MutatingWebhookConfiguration /admission-ipam', 'ValidatingWebhookConfiguration /admission-ipam'].flatMap((key) =>
      (all.get(key) as Configuration).webhooks.filter((w) => w.name.endsWith('-pod.admission-ipam.spidernet.io')),
    );
    expect(podWebhooks.map((w) => w.name).sort()).toEqual([
      'mutate-pod.admission-ipam.spidernet.io',
      'validate-pod.admission-ipam.spidernet.io',
    ]);
    for (const webhook of podWebhooks) {
      expect(webhook.namespaceSelector?.matchLabels).toEqual(selector.matchLabels);
      expect(webhook.namespaceSelector?.matchExpressions.map((e) => e.key)).toEqual([
        'kubernetes.io/metadata.name',
        'admission-ipam.spidernet.io/ignore',
        'tier',
      ]);
    }
  });
});
