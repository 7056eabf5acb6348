// The plugin's only I/O towards the API server: GET the Pod and GET a SpiderIPPool, over one keep-alive TLS
// connection with the kubeconfig's credentials. node:https and nothing else: a Kubernetes client library costs more
// start-up time than the whole ADD (node20-stack-notes §5).
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { group, plurals, version } from '../ipam/model/index.js';
import { type CniError, cniError, pluginCodes, specCodes } from './errors.js';
import { type KubeAccess, type Material, parseKubeconfig } from './kubeconfig.js';

export type Read = { found: true; body: unknown } | { found: false };

/** A failed read: `retryable` when waiting may help (unreachable, 5xx, 429). */
export class ReadError extends Error {
  constructor(
    readonly error: CniError,
    readonly retryable: boolean,
  ) {
    super(error.msg);
  }
}

export interface KubeReader {
  getPod(namespace: string, name: string): Promise<Read>;
  getPool(name: string): Promise<Read>;
  close(): void;
}

const requestTimeoutMs = 5000;
const maxBodyBytes = 8 << 20;

function load(m: Material | undefined, what: string, path: string): string | undefined {
  if (m === undefined) return undefined;
  if ('data' in m) return m.data;
  try {
    return readFileSync(m.file, 'utf8');
  } catch (err) {
    throw new ReadError(
      cniError(pluginCodes.kubeconfig, `kubeconfig ${path}: cannot read the ${what} ${m.file}: ${(err as Error).message}`),
      false,
    );
  }
}

/** Reads the kubeconfig and its files now, so a broken one fails before any request. */
export function kubeReader(kubeconfigPath: string): KubeReader {
  let text: string;
  try {
    text = readFileSync(kubeconfigPath, 'utf8');
  } catch (err) {
    throw new ReadError(
      cniError(
        pluginCodes.kubeconfig,
        `cannot read the kubeconfig ${kubeconfigPath}: ${(err as Error).message}`,
        'the installer DaemonSet (deploy/cni/) writes it on every node; another path can be given as "kubeconfig" in the ipam section of the network config',
      ),
      false,
    );
  }
  const parsed = parseKubeconfig(text, kubeconfigPath);
  if (!parsed.ok) throw new ReadError(cniError(pluginCodes.kubeconfig, parsed.reason), false);
  return httpsReader(parsed.value, kubeconfigPath);
}

function httpsReader(access: KubeAccess, path: string): KubeReader {
  const c = access.credentials;
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'admission-ipam-cni' };
  let cert: string | undefined;
  let key: string | undefined;
  if (c.kind === 'token') headers.Authorization = `Bearer ${c.token}`;
  if (c.kind === 'token-file') headers.Authorization = `Bearer ${(load({ file: c.file }, 'token file', path) ?? '').trim()}`;
  if (c.kind === 'client-certificate') {
    cert = load(c.cert, 'client certificate', path);
    key = load(c.key, 'client key', path);
  }
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 1,
    ca: load(access.ca, 'certificate authority', path),
    cert,
    key,
    rejectUnauthorized: !access.insecureSkipTLSVerify,
    ...(access.tlsServerName !== undefined ? { servername: access.tlsServerName } : {}),
  });

  const get = (apiPath: string, what: string): Promise<Read> =>
    new Promise((resolve, reject) => {
      const req = request(`${access.server}${apiPath}`, { method: 'GET', agent, headers, timeout: requestTimeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) req.destroy(new Error(`answer larger than ${maxBodyBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const body = Buffer.concat(chunks).toString('utf8');
          if (status === 200) {
            try {
              resolve({ found: true, body: JSON.parse(body) });
            } catch {
              reject(
                new ReadError(
                  cniError(specCodes.tryAgainLater, `GET ${what}: the API server answered 200 with a body that is not JSON`),
                  true,
                ),
              );
            }
            return;
          }
          if (status === 404) return resolve({ found: false });
          let message = body.slice(0, 300);
          try {
            const s = JSON.parse(body) as { message?: unknown };
            if (typeof s.message === 'string') message = s.message;
          } catch {}
          const retryable = status === 429 || status >= 500;
          // 401: the API server did not accept the credentials at all; 403: it did, and they lack a permission.
          const hint =
            status === 401
              ? `the credentials of kubeconfig ${path} (context "${access.context}") were not accepted: an expired or revoked token? The installer renews it`
              : status === 403
                ? `the credentials of kubeconfig ${path} (context "${access.context}") need "get" on pods and on spiderippools.${group}`
                : '';
          reject(
            new ReadError(
              cniError(retryable ? specCodes.tryAgainLater : pluginCodes.apiRefused, `GET ${what}: HTTP ${status}: ${message}`, hint),
              retryable,
            ),
          );
        });
        res.on('error', (err) => reject(networkError(what, err)));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${requestTimeoutMs} ms`)));
      req.on('error', (err) => reject(networkError(what, err)));
      req.end();
    });

  const networkError = (what: string, err: Error) => {
    const code = (err as NodeJS.ErrnoException).code;
    const tls = code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code);
    return new ReadError(
      cniError(
        tls ? pluginCodes.kubeconfig : specCodes.tryAgainLater,
        `GET ${what} from ${access.server}: ${err.message}`,
        tls ? `the server's certificate does not verify with the certificate authority of kubeconfig ${path}` : '',
      ),
      !tls,
    );
  };

  return {
    getPod: (namespace, name) =>
      get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`, `pod ${namespace}/${name}`),
    getPool: (name) => get(`/apis/${group}/${version}/${plurals.ipPool}/${encodeURIComponent(name)}`, `SpiderIPPool ${name}`),
    close: () => agent.destroy(),
  };
}
