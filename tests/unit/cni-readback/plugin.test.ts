// Every command in every supported version through runPlugin, as a runtime calls the plugin (environment + stdin), the
// API server replaced by a fake reader; every output checked against the CNI spec's shapes.
import { describe, expect, it } from 'vitest';
import { type PluginDeps, ReadError, runPlugin, supportedVersions } from '../../../cni-readback/index.js';
import { errorShapeProblems, resultShapeProblems, versionShapeProblems } from '../../support/cni-shapes.js';
import { boundPools, fakeApi, podJSON, pool, uid } from './fixtures.js';

const env = (
  command: string,
  ifName = 'eth0',
  args = `IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-7c9f;K8S_POD_UID=${uid}`,
) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '/var/run/netns/test',
  CNI_IFNAME: ifName,
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: args,
});

const config = (cniVersion: string | undefined, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...(cniVersion === undefined ? {} : { cniVersion }),
    name: 'underlay',
    type: 'macvlan',
    master: 'eth1',
    ipam: { type: 'spiderpool', kubeconfig: '/etc/cni/net.d/test.kubeconfig' },
    ...extra,
  });

function deps(reader: ReturnType<typeof fakeApi>['reader'], opened: string[] = []): PluginDeps & { slept: number[] } {
  const slept: number[] = [];
  return {
    slept,
    openReader: (path) => {
      opened.push(path);
      return reader;
    },
    sleep: async (ms) => {
      slept.push(ms);
    },
  };
}

function parsedError(stdout: string) {
  const doc = JSON.parse(stdout) as { code: number; msg: string; details?: string; cniVersion?: string };
  expect(errorShapeProblems(doc)).toEqual([]);
  return doc;
}

describe('ADD in every supported version', () => {
  it.each(supportedVersions)(
    '%s: eth0 gets both addresses with the pool prefix, gateways, the recorded route and default routes',
    async (v) => {
      const { api, reader } = fakeApi([podJSON()]);
      const opened: string[] = [];
      const out = await runPlugin(env('ADD'), config(v), deps(reader, opened));
      expect(out.exitCode, out.stdout).toBe(0);
      const result = JSON.parse(out.stdout);
      expect(resultShapeProblems(result, v)).toEqual([]);
      const legacy = v !== '1.0.0';
      expect(result).toEqual({
        cniVersion: v,
        ips: [
          { ...(legacy ? { version: '4' } : {}), address: '172.19.1.10/24', gateway: '172.19.1.1' },
          { ...(legacy ? { version: '6' } : {}), address: 'fd19::a/64', gateway: 'fd19::1' },
        ],
        routes: [
          { dst: '172.19.200.0/24', gw: '172.19.1.254' },
          { dst: '0.0.0.0/0', gw: '172.19.1.1' },
          { dst: '::/0', gw: 'fd19::1' },
        ],
        dns: {},
      });
      expect(opened).toEqual(['/etc/cni/net.d/test.kubeconfig']);
      expect(api.calls).toEqual(['pod shop/web-7c9f', 'pool v4', 'pool v6']);
      expect(api.closed).toBe(1);
    },
  );

  it.each(supportedVersions)('%s: net1 (clean gateway, reservation still pending) gets its address and no default route', async (v) => {
    const { reader } = fakeApi([podJSON()]);
    const out = await runPlugin(env('ADD', 'net1'), config(v), deps(reader));
    expect(out.exitCode, out.stdout).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(resultShapeProblems(result, v)).toEqual([]);
    expect(result.ips).toEqual([{ ...(v !== '1.0.0' ? { version: '4' } : {}), address: '172.19.2.10/24', gateway: '172.19.2.1' }]);
    expect(result.routes).toEqual([]);
  });

  it('serves the ipam type "admission-ipam" as well, and the default kubeconfig path', async () => {
    const { reader } = fakeApi([podJSON()]);
    const opened: string[] = [];
    const stdin = JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'macvlan', ipam: { type: 'admission-ipam' } });
    const out = await runPlugin(env('ADD'), stdin, deps(reader, opened));
    expect(out.exitCode, out.stdout).toBe(0);
    expect(opened).toEqual(['/etc/cni/net.d/admission-ipam.d/admission-ipam.kubeconfig']);
  });

  it('waits for a Pod not visible yet, then answers', async () => {
    const { reader } = fakeApi([undefined, undefined, podJSON()]);
    const d = deps(reader);
    const out = await runPlugin(env('ADD'), config('1.0.0'), d);
    expect(out.exitCode, out.stdout).toBe(0);
    expect(d.slept).toEqual([100, 200]);
  });

  it('gives up on a Pod that never appears after bounded tries, with "try again later"', async () => {
    const { api, reader } = fakeApi([undefined]);
    const d = deps(reader);
    const out = await runPlugin(env('ADD'), config('1.0.0'), d);
    expect(out.exitCode).toBe(1);
    const error = parsedError(out.stdout);
    expect(error).toMatchObject({ cniVersion: '1.0.0', code: 11, msg: 'pod shop/web-7c9f is not in the API server (HTTP 404, 6 tries)' });
    expect(d.slept.reduce((a, b) => a + b, 0)).toBe(2500);
    expect(api.closed).toBe(1);
  });

  it('retries an unreachable API server and reports it with code 11', async () => {
    const { reader } = fakeApi([podJSON()]);
    let tries = 0;
    reader.getPod = async () => {
      tries++;
      throw new ReadError({ code: 11, msg: 'GET pod shop/web-7c9f from https://10.0.0.1:6443: connect ECONNREFUSED', details: '' }, true);
    };
    const out = await runPlugin(env('ADD'), config('0.3.1'), deps(reader));
    expect(parsedError(out.stdout)).toMatchObject({ code: 11, msg: expect.stringContaining('ECONNREFUSED') });
    expect(tries).toBe(6);
  });

  it('does not retry a refused request (403)', async () => {
    const { reader } = fakeApi([podJSON()]);
    let tries = 0;
    reader.getPod = async () => {
      tries++;
      throw new ReadError({ code: 105, msg: 'GET pod shop/web-7c9f: HTTP 403: forbidden', details: 'needs get on pods' }, false);
    };
    const out = await runPlugin(env('ADD'), config('0.4.0'), deps(reader));
    expect(parsedError(out.stdout)).toMatchObject({ cniVersion: '0.4.0', code: 105 });
    expect(tries).toBe(1);
  });

  it('reports a kubeconfig that cannot be opened', async () => {
    const out = await runPlugin(env('ADD'), config('1.0.0'), {
      openReader: () => {
        throw new ReadError({ code: 104, msg: 'cannot read the kubeconfig /etc/cni/net.d/test.kubeconfig: ENOENT', details: '' }, false);
      },
      sleep: async () => {},
    });
    expect(parsedError(out.stdout)).toMatchObject({ code: 104 });
  });
});

describe('refusals of ADD', () => {
  it('a Pod without the annotation (excluded namespace): code 100, naming the Pod, the interface and the likely causes', async () => {
    const { reader } = fakeApi([podJSON({ annotations: {} })]);
    const out = await runPlugin(env('ADD'), config('1.0.0'), deps(reader));
    const error = parsedError(out.stdout);
    expect(error.code).toBe(100);
    expect(error.msg).toBe('pod shop/web-7c9f has no annotation ipam.spidernet.io/assigned-eth0');
    expect(error.details).toContain('is namespace shop excluded from the webhook');
  });

  it('a Pod with the opt-out label: the label is named', async () => {
    const { reader } = fakeApi([podJSON({ annotations: {}, labels: { 'admission-ipam.spidernet.io/ignore': 'true' } })]);
    const error = parsedError((await runPlugin(env('ADD'), config('1.0.0'), deps(reader))).stdout);
    expect(error.details).toContain('admission-ipam.spidernet.io/ignore=true');
  });

  it('an interface the webhook did not serve: the served ones are named', async () => {
    const { reader } = fakeApi([podJSON()]);
    const error = parsedError((await runPlugin(env('ADD', 'net2'), config('1.0.0'), deps(reader))).stdout);
    expect(error).toMatchObject({ code: 100, details: expect.stringContaining('gave addresses to eth0, net1 only') });
  });

  it('a forged annotation (no pool record): code 102', async () => {
    const pools = boundPools();
    pools.set('v4', pool('v4', '172.19.1.0/24', '172.19.1.1', {}));
    const { reader } = fakeApi([podJSON()], pools);
    const error = parsedError((await runPlugin(env('ADD'), config('1.0.0'), deps(reader))).stdout);
    expect(error).toMatchObject({ code: 102, msg: 'pod shop/web-7c9f: pool "v4" records no reservation of 172.19.1.10' });
  });

  it('the runtime sets up another incarnation than the API server holds: code 106', async () => {
    const { reader } = fakeApi([podJSON({ uid: '11111111-2222-3333-4444-555555555555' })]);
    const error = parsedError((await runPlugin(env('ADD'), config('1.0.0'), deps(reader))).stdout);
    expect(error.code).toBe(106);
  });

  it('a pool that no longer exists: code 103', async () => {
    const pools = boundPools();
    pools.delete('v6');
    const { reader } = fakeApi([podJSON()], pools);
    const error = parsedError((await runPlugin(env('ADD'), config('1.0.0'), deps(reader))).stdout);
    expect(error).toMatchObject({ code: 103, msg: expect.stringContaining('"v6"') });
  });

  it('a StatefulSet record still bound to the previous incarnation is read again, then refused with code 102', async () => {
    const pools = boundPools();
    pools.set('v4', pool('v4', '172.19.1.0/24', '172.19.1.1', { '172.19.1.10': { pod: 'shop/web-7c9f', podUid: 'old-uid' } }));
    const { api, reader } = fakeApi([podJSON()], pools);
    const d = deps(reader);
    const error = parsedError((await runPlugin(env('ADD'), config('1.0.0'), d)).stdout);
    expect(error.msg).toContain('another incarnation');
    expect(api.calls.filter((c) => c === 'pool v4')).toHaveLength(6);
  });
});

describe('DEL', () => {
  it.each(supportedVersions)('%s: succeeds with no output and no API request, however often it is called', async (v) => {
    const { api, reader } = fakeApi([podJSON()]);
    for (let i = 0; i < 2; i++) expect(await runPlugin(env('DEL'), config(v), deps(reader))).toEqual({ stdout: '', exitCode: 0 });
    expect(api.calls).toEqual([]);
  });

  it('succeeds without CNI_NETNS and without CNI_ARGS (a runtime cleaning up after a lost sandbox)', async () => {
    const { reader } = fakeApi([podJSON()]);
    const e = { ...env('DEL', 'eth0', ''), CNI_NETNS: '' };
    expect(await runPlugin(e, config('1.0.0'), deps(reader))).toEqual({ stdout: '', exitCode: 0 });
  });

  it('still refuses a config it cannot read', async () => {
    const { reader } = fakeApi([podJSON()]);
    expect(parsedError((await runPlugin(env('DEL'), '{"name":', deps(reader))).stdout).code).toBe(6);
  });
});

describe('CHECK', () => {
  const prev = (addresses: string[]) => ({ cniVersion: '1.0.0', ips: addresses.map((address) => ({ address })), routes: [] });

  it.each(['0.4.0', '1.0.0'])('%s: succeeds with no output while the pools still record the addresses', async (v) => {
    const { reader } = fakeApi([podJSON()]);
    const out = await runPlugin(env('CHECK'), config(v, { prevResult: prev(['172.19.1.10/24', 'fd19::a/64']) }), deps(reader));
    expect(out).toEqual({ stdout: '', exitCode: 0 });
  });

  it('fails once the address is no longer recorded for the Pod', async () => {
    const pools = boundPools();
    pools.set('v4', pool('v4', '172.19.1.0/24', '172.19.1.1', { '172.19.1.10': { pod: 'shop/other', podUid: 'x' } }));
    const { reader } = fakeApi([podJSON()], pools);
    const out = await runPlugin(env('CHECK'), config('1.0.0', { prevResult: prev(['172.19.1.10/24']) }), deps(reader));
    expect(parsedError(out.stdout)).toMatchObject({ code: 102, msg: expect.stringContaining('holds 172.19.1.10 for pod shop/other') });
  });

  it('fails when prevResult lacks an address of the interface', async () => {
    const { reader } = fakeApi([podJSON()]);
    const out = await runPlugin(env('CHECK'), config('1.0.0', { prevResult: prev(['172.19.1.10/24']) }), deps(reader));
    expect(parsedError(out.stdout)).toMatchObject({ code: 107, msg: expect.stringContaining('fd19::a/64') });
  });

  it.each(['0.3.0', '0.3.1'])('%s: CHECK is not part of the version (code 1)', async (v) => {
    const { reader } = fakeApi([podJSON()]);
    const error = parsedError((await runPlugin(env('CHECK'), config(v), deps(reader))).stdout);
    expect(error).toEqual({ cniVersion: v, code: 1, msg: 'config version does not allow CHECK' });
  });
});

describe('VERSION', () => {
  it.each(supportedVersions)('answers the supported versions, echoing %s', async (v) => {
    const out = await runPlugin({ CNI_COMMAND: 'VERSION' }, JSON.stringify({ cniVersion: v }), deps(fakeApi([]).reader));
    expect(out.exitCode).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(versionShapeProblems(doc)).toEqual([]);
    expect(doc).toEqual({ cniVersion: v, supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
  });

  it('answers with 1.0.0 when stdin is empty or names an unknown version', async () => {
    for (const stdin of ['', '{"cniVersion":"9.9.9"}']) {
      expect(JSON.parse((await runPlugin({ CNI_COMMAND: 'VERSION' }, stdin, deps(fakeApi([]).reader))).stdout).cniVersion).toBe('1.0.0');
    }
  });
});

describe('malformed invocations', () => {
  it.each([
    [
      'unknown version',
      env('ADD'),
      config('0.2.0'),
      {
        cniVersion: '0.2.0',
        code: 1,
        msg: 'incompatible CNI versions',
        details: 'config is "0.2.0", plugin supports ["0.3.0" "0.3.1" "0.4.0" "1.0.0"]',
      },
    ],
    ['no cniVersion (read as 0.1.0)', env('ADD'), config(undefined), { cniVersion: '0.1.0', code: 1, msg: 'incompatible CNI versions' }],
    ['a future version', env('ADD'), config('1.1.0'), { code: 1, details: expect.stringContaining('config is "1.1.0"') }],
    ['stdin not JSON', env('ADD'), '{"cniVersion": "1.0.0",', { code: 6, msg: expect.stringContaining('error unmarshall network config') }],
    ['stdin empty', env('ADD'), '', { code: 6 }],
    ['stdin a JSON list', env('ADD'), '[]', { code: 6 }],
    [
      'no network name',
      env('ADD'),
      JSON.stringify({ cniVersion: '1.0.0', ipam: { type: 'spiderpool' } }),
      { code: 7, msg: 'missing network name' },
    ],
    [
      'no ipam section',
      env('ADD'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'n' }),
      { code: 7, msg: 'network n: the config has no "ipam" object' },
    ],
    [
      'another ipam type',
      env('ADD'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'n', ipam: { type: 'host-local' } }),
      { code: 7, msg: expect.stringContaining('"host-local"') },
    ],
    [
      'no CNI_COMMAND',
      { ...env('ADD'), CNI_COMMAND: '' },
      config('1.0.0'),
      { code: 4, msg: 'required env variables [CNI_COMMAND] missing' },
    ],
    ['unknown CNI_COMMAND', env('GC'), config('1.0.0'), { code: 4, msg: 'unknown CNI_COMMAND: GC' }],
    [
      'no CNI_IFNAME and CNI_NETNS',
      { ...env('ADD'), CNI_IFNAME: '', CNI_NETNS: '' },
      config('1.0.0'),
      { code: 4, msg: 'required env variables [CNI_NETNS,CNI_IFNAME] missing' },
    ],
    [
      'no CNI_CONTAINERID on DEL',
      { ...env('DEL'), CNI_CONTAINERID: '' },
      config('1.0.0'),
      { code: 4, msg: 'required env variables [CNI_CONTAINERID] missing' },
    ],
    ['an interface name too long', env('ADD', 'a-very-long-ifname'), config('1.0.0'), { code: 4, msg: 'interface name is too long' }],
    [
      'missing CNI_ARGS',
      env('ADD', 'eth0', ''),
      config('1.0.0'),
      { code: 4, msg: 'CNI_ARGS has no K8S_POD_NAMESPACE and K8S_POD_NAME: cannot tell which Pod eth0 belongs to' },
    ],
    [
      'CNI_ARGS without the Pod name',
      env('ADD', 'eth0', 'K8S_POD_NAMESPACE=shop'),
      config('1.0.0'),
      { code: 4, msg: expect.stringContaining('no K8S_POD_NAME') },
    ],
    [
      'CNI_ARGS not key=value',
      env('ADD', 'eth0', 'K8S_POD_NAMESPACE'),
      config('1.0.0'),
      { code: 4, msg: expect.stringContaining('invalid pair') },
    ],
    ['a missing CNI_ARGS on CHECK', env('CHECK', 'eth0', ''), config('1.0.0'), { code: 4 }],
  ])('%s', async (_, e, stdin, expected) => {
    const { api, reader } = fakeApi([podJSON()]);
    const out = await runPlugin(e, stdin, deps(reader));
    expect(out.exitCode).toBe(1);
    expect(parsedError(out.stdout)).toMatchObject(expected);
    expect(api.calls).toEqual([]);
  });
});
