// JSON requests to the API server over kept-alive connections. client-node 1.4 gives every request a fresh https
// Agent, so each pool status write paid a TLS handshake: a third of the server's CPU in the admission benchmark.
// Here one Agent per KubeConfig keeps its sockets open; credentials (bearer tokens that refresh, client
// certificates, the CA) still come from the KubeConfig for every request. Errors carry `code` (the HTTP status) and
// `body` (the raw Status), the shape of client-node's ApiException, so kube/api-errors.ts reads both alike.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from './api-errors.js';
import { statusOfBody } from './watch/wire.js';

export class KubeRequestError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeRequestError';
  }
}

export interface JsonClient {
  request(method: 'GET' | 'PATCH' | 'DELETE' | 'POST' | 'PUT', path: string, body?: unknown, contentType?: string): Promise<unknown>;
  /** Connections opened by the pooled Agent so far: far fewer than requests when keep-alive works. */
  connectionsOpened(): number;
}

/** A GET answered undefined when the object (or its API) does not exist; any other failure is thrown. */
export async function getIfFound<T>(client: Pick<JsonClient, 'request'>, path: string): Promise<T | undefined> {
  try {
    return (await client.request('GET', path)) as T;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The longest a request may stay silent before it is abandoned: a status write must never hang an admission. */
const idleTimeoutMs = 30_000;
const maxBody = 16 * 1024 * 1024;

const clients = new WeakMap<KubeConfig, JsonClient>();

/** One client per KubeConfig, so every writer of a process shares its connections. */
export function jsonClient(kc: KubeConfig): JsonClient {
  let client = clients.get(kc);
  if (!client) {
    client = createJsonClient(kc);
    clients.set(kc, client);
  }
  return client;
}

function createJsonClient(kc: KubeConfig): JsonClient {
  // Sockets idle longer than the API server's own keep-alive would be closed under us; 30 s stays below it.
  const agent = new https.Agent({ keepAlive: true, keepAliveMsecs: 10_000, maxSockets: 16, timeout: 30_000 });
  let opened = 0;
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (...args: Parameters<typeof createConnection>) => {
    opened++;
    return createConnection(...args);
  };
  return {
    connectionsOpened: () => opened,
    async request(method, path, body, contentType = 'application/json') {
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error(`kubeconfig has no current cluster (context "${kc.getCurrentContext()}")`);
      const url = new URL(cluster.server.replace(/\/+$/, '') + path);
      const options: https.RequestOptions = {};
      await kc.applyToHTTPSOptions(options);
      const fresh = options.agent;
      const plain = url.protocol === 'http:';
      // A proxy agent (kubeconfig proxy-url) is kept as it is; otherwise our pooled Agent replaces the fresh one. The
      // TLS options stay on the request, and Node keys pooled sockets by them.
      const keepFresh = plain || cluster.proxyUrl !== undefined;
      if (!keepFresh) {
        if (fresh && typeof fresh === 'object' && 'destroy' in fresh) fresh.destroy();
        options.agent = agent;
      }
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const what = `${method} ${path}`;
      const send = plain ? (http.request as typeof https.request) : https.request;
      try {
        return await new Promise<unknown>((resolve, reject) => {
          const req = send(
            url,
            {
              ...options,
              method,
              timeout: idleTimeoutMs,
              headers: {
                ...options.headers,
                Accept: 'application/json',
                ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}),
              },
            },
            (res) => {
              const chunks: Buffer[] = [];
              let size = 0;
              res.on('data', (chunk: Buffer) => {
                size += chunk.length;
                if (size <= maxBody) chunks.push(chunk);
              });
              res.on('error', reject);
              res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                const status = res.statusCode ?? 0;
                if (status < 200 || status >= 300) {
                  reject(new KubeRequestError(status, text, `${what}: HTTP ${status}: ${statusOfBody(text).message ?? 'no message'}`));
                  return;
                }
                try {
                  resolve(text === '' ? undefined : JSON.parse(text));
                } catch (err) {
                  reject(new Error(`${what}: the response is not JSON`, { cause: err }));
                }
              });
            },
          );
          req.on('timeout', () => req.destroy(new Error(`${what}: no answer for ${idleTimeoutMs} ms`)));
          req.on('error', reject);
          req.end(payload);
        });
      } finally {
        if (keepFresh && fresh && typeof fresh === 'object' && 'destroy' in fresh) fresh.destroy();
      }
    },
  };
}
