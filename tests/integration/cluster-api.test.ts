// The local API server serves CRDs with a status subresource, calls a mutating
// webhook over TLS and applies its JSONPatch, and kwok reports the IPAM's address.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../certs/index.js';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';

const { kc, core, custom } = clients();

const widgetCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.test.admission-ipam.io
spec:
  group: test.admission-ipam.io
  scope: Cluster
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
          status: {type: object, properties: {used: {type: integer}}}
`;

describe('local API server', () => {
  it('serves a CRD applied with kubectl, with its status subresource', async () => {
    const applied = kubectl(['apply', '-f', '-'], widgetCrd);
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    expect(kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/widgets.test.admission-ipam.io']).status).toBe(0);
    const name = `w-${Date.now()}`;
    const gvr = { group: 'test.admission-ipam.io', version: 'v1', plural: 'widgets' };
    await custom.createClusterCustomObject({
      ...gvr,
      body: { apiVersion: 'test.admission-ipam.io/v1', kind: 'Widget', metadata: { name }, spec: { size: 3 }, status: { used: 9 } },
    });
    // status in a create is dropped when the status subresource is on
    const created = (await custom.getClusterCustomObject({ ...gvr, name })) as { status?: { used?: number } };
    expect(created.status?.used).toBeUndefined();
    await custom.patchClusterCustomObjectStatus({ ...gvr, name, body: [{ op: 'add', path: '/status', value: { used: 2 } }] });
    // a write to the main resource cannot change status, and a status write cannot change spec
    await custom.patchClusterCustomObject({
      ...gvr,
      name,
      body: [
        { op: 'replace', path: '/spec/size', value: 4 },
        { op: 'replace', path: '/status/used', value: 7 },
      ],
    });
    const got = (await custom.getClusterCustomObject({ ...gvr, name })) as { spec: { size: number }; status: { used: number } };
    expect(got).toMatchObject({ spec: { size: 4 }, status: { used: 2 } });
    const shown = kubectl(['get', 'wdg', name, '-o', 'jsonpath={.status.used}']);
    expect(shown.stdout).toBe('2');
  });

  describe('a mutating webhook served on the host', () => {
    const reviews: Array<{ apiVersion: string; request: Record<string, unknown> }> = [];
    let server: Server | undefined;
    const admissionregistration = kc.makeApiClient(AdmissionregistrationV1Api);
    const webhookName = `test-webhook-${Date.now()}`;

    afterAll(async () => {
      await admissionregistration.deleteMutatingWebhookConfiguration({ name: webhookName }).catch(() => undefined);
      server?.close();
    });

    it('is called for Pod CREATE over TLS and its JSONPatch is applied', async () => {
      const now = new Date();
      const ca = createCertificateAuthority('webhook-test-ca', 1, now);
      const serving = issueCertificate(ca, {
        commonName: '127.0.0.1',
        ipAddresses: ['127.0.0.1'],
        dnsNames: ['localhost'],
        usage: 'server',
        validDays: 1,
        now,
      });
      server = createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => {
          body += c.toString();
        });
        req.on('end', () => {
          const review = JSON.parse(body) as { apiVersion: string; request: { uid: string } };
          reviews.push(review);
          const patch = [{ op: 'add', path: '/metadata/annotations', value: { 'test.admission-ipam.io/mutated': 'yes' } }];
          res.setHeader('Content-Type', 'application/json');
          res.end(
            JSON.stringify({
              apiVersion: review.apiVersion,
              kind: 'AdmissionReview',
              response: {
                uid: review.request.uid,
                allowed: true,
                patchType: 'JSONPatch',
                patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
              },
            }),
          );
        });
      });
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      const namespace = await createTestNamespace(core, 'webhook');
      await admissionregistration.createMutatingWebhookConfiguration({
        body: {
          metadata: { name: webhookName },
          webhooks: [
            {
              name: 'pods.test.admission-ipam.io',
              admissionReviewVersions: ['v1'],
              sideEffects: 'None',
              failurePolicy: 'Fail',
              timeoutSeconds: 5,
              clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: Buffer.from(ca.certPem).toString('base64') },
              rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
            },
          ],
        },
      });
      // The API server picks up new webhook configurations asynchronously: retry until the patch shows.
      const pod = await pollUntil('the webhook patch to be applied to a new Pod', 30_000, async () => {
        const created = await core.createNamespacedPod({
          namespace,
          body: { metadata: { generateName: 'p-' }, spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] } },
        });
        const mutated = created.metadata?.annotations?.['test.admission-ipam.io/mutated'];
        return mutated === 'yes'
          ? { done: true, value: created }
          : { done: false, seen: `annotations ${JSON.stringify(created.metadata?.annotations)}` };
      });
      const review = reviews.find((r) => r.request.namespace === namespace);
      expect(review).toBeDefined();
      expect(review?.apiVersion).toBe('admission.k8s.io/v1');
      expect(review?.request).toMatchObject({
        operation: 'CREATE',
        namespace,
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        object: { metadata: { generateName: 'p-' } },
      });
      expect(typeof review?.request.uid).toBe('string');
      expect(pod.metadata?.annotations).toEqual({ 'test.admission-ipam.io/mutated': 'yes' });
    });
  });

  it('kwok reports the addresses of ipam.spidernet.io/assigned-eth0 as the Pod IPs', async () => {
    const namespace = await createTestNamespace(core, 'podip');
    const assigned = (ipv4: string, ipv6: string) =>
      JSON.stringify({ interface: 'eth0', ipv4pool: 'p4', ipv6pool: ipv6 ? 'p6' : '', ipv4, ipv6, vlan: 0 });
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'v4', annotations: { 'ipam.spidernet.io/assigned-eth0': assigned('172.18.40.10/16', '') } },
        spec: { containers: [{ name: 'a', image: 'x' }] },
      },
    });
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name: 'dual',
          annotations: { 'ipam.spidernet.io/assigned-eth0': assigned('172.18.40.11/16', 'fc00:f853:ccd:e793::11/64') },
        },
        spec: { containers: [{ name: 'a', image: 'x' }] },
      },
    });
    const ipsOf = (name: string) =>
      pollUntil(`pod ${name} to be Running with an IP`, 60_000, async () => {
        const pod = await core.readNamespacedPod({ namespace, name });
        return pod.status?.phase === 'Running' && pod.status.podIP
          ? { done: true, value: { podIP: pod.status.podIP, podIPs: pod.status.podIPs?.map((p) => p.ip) } }
          : { done: false, seen: `${pod.status?.phase} podIP=${pod.status?.podIP}` };
      });
    expect(await ipsOf('v4')).toEqual({ podIP: '172.18.40.10', podIPs: ['172.18.40.10'] });
    expect(await ipsOf('dual')).toEqual({ podIP: '172.18.40.11', podIPs: ['172.18.40.11', 'fc00:f853:ccd:e793::11'] });
    const wide = kubectl(['get', 'pods', '-n', namespace, '-o', 'wide', '--no-headers']);
    expect(wide.stdout).toMatch(/^dual\s+1\/1\s+Running\s+0\s+\S+\s+172\.18\.40\.11\s/m);
  });
});
