// Where credentials come from: in a Pod the ServiceAccount, elsewhere KUBECONFIG or ~/.kube/config, and a clear
// error instead of client-node's silent http://localhost:8080 fallback.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadKubeConfig } from '../../../kube/client.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));

function kubeconfig(file: string, cluster: string, server: string, context: string | undefined): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: ${cluster}, cluster: {server: '${server}'}}]`,
      `users: [{name: u-${cluster}, user: {token: t}}]`,
      `contexts: [{name: ctx-${cluster}, context: {cluster: ${cluster}, user: u-${cluster}}}]`,
      ...(context ? [`current-context: ${context}`] : []),
    ].join('\n'),
  );
  return path;
}

function stubEnv(env: Record<string, string>): void {
  for (const name of ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT']) vi.stubEnv(name, undefined);
  vi.stubEnv('HOME', join(dir, 'nowhere'));
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
}

describe('loadKubeConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads the file named by KUBECONFIG', () => {
    stubEnv({ KUBECONFIG: kubeconfig('one.yaml', 'one', 'https://10.1.0.1:6443', 'ctx-one') });
    expect(loadKubeConfig().getCurrentCluster()?.server).toBe('https://10.1.0.1:6443');
  });

  it('merges several KUBECONFIG files the way kubectl does: the first name wins', () => {
    const a = kubeconfig('a.yaml', 'shared', 'https://a:6443', undefined);
    const b = kubeconfig('b.yaml', 'shared', 'https://b:6443', 'ctx-shared');
    stubEnv({ KUBECONFIG: `${a}:${b}` });
    const kc = loadKubeConfig();
    expect(kc.getCurrentContext()).toBe('ctx-shared');
    expect(kc.getCurrentCluster()?.server).toBe('https://a:6443');
  });

  it('falls back to ~/.kube/config', () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    const file = kubeconfig('home.yaml', 'home', 'https://home:6443', 'ctx-home');
    writeFileSync(join(home, '.kube', 'config'), readFileSync(file));
    stubEnv({ HOME: home });
    expect(loadKubeConfig().getCurrentCluster()?.server).toBe('https://home:6443');
  });

  it('refuses to guess when there is no config at all', () => {
    stubEnv({});
    expect(() => loadKubeConfig()).toThrow(
      /no Kubernetes credentials: not in a Pod, KUBECONFIG is not set and .*nowhere\/\.kube\/config does not exist/,
    );
  });

  it('names the context when it points at no cluster', () => {
    stubEnv({ KUBECONFIG: kubeconfig('bad.yaml', 'bad', 'https://bad:6443', 'ctx-missing') });
    expect(() => loadKubeConfig()).toThrow('kubeconfig: current context "ctx-missing" names no cluster');
  });

  it('uses the ServiceAccount inside a Pod, even when KUBECONFIG is set', () => {
    const root = join(dir, 'pod');
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'tok');
    writeFileSync(join(sa, 'namespace'), 'ipam-system');
    const env = {
      KUBERNETES_SERVICE_HOST: 'fd00::1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBECONFIG: kubeconfig('x.yaml', 'x', 'https://x', 'ctx-x'),
    };
    stubEnv(env);
    const kc = loadKubeConfig({ inClusterPathPrefix: root });
    expect(kc.getCurrentCluster()?.server).toBe('https://[fd00::1]:443');
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('ipam-system');
  });

  it('explains a Pod without a ServiceAccount token', () => {
    stubEnv({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' });
    expect(() => loadKubeConfig({ inClusterPathPrefix: join(dir, 'empty') })).toThrow(/set automountServiceAccountToken: true/);
  });
});
