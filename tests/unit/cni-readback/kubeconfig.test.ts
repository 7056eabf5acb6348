// The kubeconfig reader: kubectl's block style and JSON, checked against the `yaml` library as the oracle, and the
// credentials and file references the plugin takes from it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { kubeconfigYaml } from '../../../cluster/src/pki.js';
import { parseKubeconfig, parseYamlSubset } from '../../../cni-readback/index.js';

const kubectlStyle = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EtUEVN
    server: https://10.96.0.1:443
    tls-server-name: kubernetes.default.svc
  name: default
contexts:
- context:
    cluster: default
    namespace: admission-ipam-system
    user: admission-ipam-cni
  name: admission-ipam-cni@default   # written by the installer
current-context: admission-ipam-cni@default
kind: Config
preferences: {}
users:
- name: admission-ipam-cni
  user:
    tokenFile: token
`;

describe('the YAML subset', () => {
  it.each([
    ['kubectl block style', kubectlStyle],
    [
      'quoted scalars and comments',
      `# head\nkey: "a: b # not a comment"\nother: 'it''s'\nlist:\n  - one\n  - "two"\n  -\n    nested: true\nempty: []\nnum: 42\nnothing: ~\n`,
    ],
    ['sequence of mappings indented under the key', 'users:\n  - name: a\n    user:\n      token: t\n  - name: b\n    user: {}\n'],
    ['JSON', '{"apiVersion": "v1", "clusters": [{"name": "c", "cluster": {"server": "https://x"}}]}'],
  ])('reads %s as the yaml library does', (_, text) => {
    expect(parseYamlSubset(text)).toEqual(parseYaml(text));
  });

  it('reads the kubeconfig the local cluster writes', () => {
    const text = kubeconfigYaml('https://127.0.0.1:6443', {
      ca: 'package.json',
      caKey: '',
      apiserverCert: '',
      apiserverKey: '',
      adminCert: 'package.json',
      adminKey: 'package.json',
      serviceAccountKey: '',
      serviceAccountPub: '',
    });
    expect(parseYamlSubset(text)).toEqual(parseYaml(text));
  });

  it.each([
    ['a block scalar', 'key: |\n  text\n', /line 1: block scalars/],
    ['an anchor', 'key: &a value\n', /line 1: anchors/],
    ['a tab', 'key:\n\tvalue: 1\n', /line 2: indentation with a tab/],
    ['a duplicate key', 'a: 1\na: 2\n', /line 2: the key "a" appears twice/],
    ['a stray indentation', 'a: 1\n   b: 2\n', /line 2: unexpected indentation/],
  ])('refuses %s with the line', (_, text, message) => {
    expect(() => parseYamlSubset(text)).toThrow(message);
  });
});

describe('the YAML subset, property', () => {
  // Documents of the shapes kubeconfigs have (nested mappings, lists of mappings, one-line scalars) as the yaml library
  // writes them in block style: ours must read back what it wrote.
  const key = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
  const scalar = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9+/=:.,_ #'"-]{0,40}$/),
    fc.integer({ min: -1000, max: 1000 }),
    fc.boolean(),
    fc.constant(null),
  );
  const { doc } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, tie('map'), fc.array(tie('value'), { maxLength: 3 })),
    map: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    doc: fc.dictionary(key, tie('value'), { minKeys: 1, maxKeys: 5 }),
  }));

  it('reads back what yaml.stringify writes', () => {
    fc.assert(
      fc.property(doc, (d) => {
        const text = stringifyYaml(d, { lineWidth: 0 });
        expect(parseYamlSubset(text)).toEqual(parseYaml(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseKubeconfig', () => {
  it('takes the current context: server, CA data, TLS server name, and a token file relative to the kubeconfig', () => {
    expect(parseKubeconfig(kubectlStyle, '/etc/cni/net.d/admission-ipam.d/admission-ipam.kubeconfig')).toEqual({
      ok: true,
      value: {
        server: 'https://10.96.0.1:443',
        ca: { data: 'CA-PEM' },
        insecureSkipTLSVerify: false,
        tlsServerName: 'kubernetes.default.svc',
        credentials: { kind: 'token-file', file: '/etc/cni/net.d/admission-ipam.d/token' },
        context: 'admission-ipam-cni@default',
      },
    });
  });

  it('reads client certificates (inline or as files) and tokens', () => {
    const doc = (user: Record<string, unknown>) =>
      JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://h:6443/', 'certificate-authority': '/pki/ca.crt' } }],
        users: [{ name: 'u', user }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      });
    const cert = parseKubeconfig(doc({ 'client-certificate-data': 'Q0VSVA==', 'client-key': 'k.pem' }), '/etc/kube/config');
    expect(cert).toMatchObject({
      ok: true,
      value: {
        server: 'https://h:6443',
        ca: { file: '/pki/ca.crt' },
        credentials: { kind: 'client-certificate', cert: { data: 'CERT' }, key: { file: '/etc/kube/k.pem' } },
      },
    });
    expect(parseKubeconfig(doc({ token: 'abc' }), '/k')).toMatchObject({
      ok: true,
      value: { credentials: { kind: 'token', token: 'abc' } },
    });
  });

  it.each([
    ['no current context', 'apiVersion: v1\ncontexts: []\n', /has no current-context/],
    [
      'an unknown cluster',
      'current-context: x\ncontexts:\n- name: x\n  context:\n    cluster: c\n',
      /names cluster "c", which is not in clusters/,
    ],
    [
      'plain http',
      JSON.stringify({
        'current-context': 'x',
        contexts: [{ name: 'x', context: { cluster: 'c' } }],
        clusters: [{ name: 'c', cluster: { server: 'http://h' } }],
      }),
      /an https:\/\/ URL is required/,
    ],
    [
      'an exec plugin',
      JSON.stringify({
        'current-context': 'x',
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        clusters: [{ name: 'c', cluster: { server: 'https://h' } }],
        users: [{ name: 'u', user: { exec: { command: 'aws' } } }],
      }),
      /authenticates with "exec"/,
    ],
  ])('refuses %s', (_, text, message) => {
    const parsed = parseKubeconfig(text, '/k');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(message);
  });
});
