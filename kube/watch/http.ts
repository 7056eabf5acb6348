// Plain HTTP(S) GETs with the KubeConfig's credentials: a JSON GET for LIST pages, and a line stream for watches.
//
// Why not client-node 1.4.0's Watch class: it hands back its AbortController only after the response headers
// arrive (a request hanging before the headers cannot be cancelled, so neither stop() nor the silence watchdog
// could end it), it throws away the body of a non-200 answer (the Status message saying *why*), and it swallows
// exceptions thrown by the event callback as if they were JSON parse errors. Owning the request avoids all three.
// Why not the generated API clients for LIST: they deserialize into model classes (timestamps become Dates,
// unknown fields are dropped), so listed objects would not look like watched ones.
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { WatchOutcome } from './types.js';
import { statusOfBody } from './wire.js';

export type Query = Record<string, string | number | boolean | undefined>;

/** A non-200 answer, with the Status reason and message when the server sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Error bodies are small Status objects; never buffer more than this of whatever came instead. */
const maxErrorBody = 64 * 1024;

interface Prepared {
  url: URL;
  options: https.RequestOptions;
  send: typeof https.request;
}

async function prepare(kc: KubeConfig, path: string, query: Query): Promise<Prepared> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`kubeconfig has no current cluster (context "${kc.getCurrentContext()}")`);
  // Concatenate rather than resolve: a server URL may carry a path prefix (API proxies), which `new URL(path, base)`
  // would drop.
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  // Fills in CA, client certificate, bearer token (exec and token-file providers refresh it here) and a fresh
  // Agent of the right kind (https, http with skipTLSVerify, or a proxy agent).
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const send = url.protocol === 'http:' ? (http.request as typeof https.request) : https.request;
  return { url, options, send };
}

/** Each request gets its own Agent from applyToHTTPSOptions; destroying it guarantees no socket outlives us. */
function destroyAgent(options: https.RequestOptions | undefined): void {
  const agent = options?.agent;
  if (agent && typeof agent === 'object' && 'destroy' in agent) agent.destroy();
}

function readErrorBody(res: IncomingMessage, done: (body: string) => void): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    if (body.length < maxErrorBody) body += chunk;
  });
  res.on('end', () => done(body));
  res.on('error', () => done(body));
}

function apiErrorOf(status: number, body: string, what: string): ApiError {
  const fields = statusOfBody(body);
  return new ApiError(
    status,
    fields.reason,
    `${what}: HTTP ${status}${fields.reason ? ` ${fields.reason}` : ''}: ${fields.message ?? 'no message'}`,
  );
}

export interface GetOptions {
  /** Abandon the request when the socket has been idle this long. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
}

/** GET `path` and parse the JSON body; rejects with ApiError for non-200 answers. */
export async function getJson(kc: KubeConfig, path: string, query: Query, opts: GetOptions): Promise<unknown> {
  const { url, options, send } = await prepare(kc, path, query);
  const what = `GET ${path}`;
  try {
    return await new Promise<unknown>((resolve, reject) => {
      const req = send(
        url,
        {
          ...options,
          method: 'GET',
          headers: { ...options.headers, Accept: 'application/json' },
          timeout: opts.idleTimeoutMs,
          ...(opts.signal && { signal: opts.signal }),
        },
        (res) => {
          if (res.statusCode !== 200) {
            readErrorBody(res, (body) => reject(apiErrorOf(res.statusCode ?? 0, body, what)));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            } catch (err) {
              reject(new Error(`${what}: the response is not JSON`, { cause: err }));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${what}: no data for ${opts.idleTimeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  } finally {
    destroyAgent(options);
  }
}

export interface StreamHandlers {
  /** The server answered 200: the watch is established. */
  onOpen(): void;
  /** One non-empty line of the response. */
  onLine(line: string): void;
  /** How the stream ended; called at most once, and never after close(). */
  onEnd(outcome: Extract<WatchOutcome, { kind: 'closed' | 'http-error' | 'network-error' }>): void;
}

export interface StreamHandle {
  /** Ends the request and releases its socket; no handler is called afterwards. */
  close(): void;
}

/** GET `path` as a stream of newline-delimited JSON, as the API server sends watch events. */
export function openStream(kc: KubeConfig, path: string, query: Query, handlers: StreamHandlers): StreamHandle {
  let finished = false;
  let req: ClientRequest | undefined;
  let options: https.RequestOptions | undefined;
  const release = () => {
    req?.destroy();
    destroyAgent(options);
  };
  const end: StreamHandlers['onEnd'] = (outcome) => {
    if (finished) return;
    finished = true;
    release();
    handlers.onEnd(outcome);
  };
  const network = (err: Error) => end({ kind: 'network-error', message: err.message || String(err) });

  prepare(kc, path, query).then(
    (prepared) => {
      options = prepared.options;
      if (finished) {
        release();
        return;
      }
      req = prepared.send(
        prepared.url,
        { ...prepared.options, method: 'GET', headers: { ...prepared.options.headers, Accept: 'application/json' } },
        (res) => {
          if (res.statusCode !== 200) {
            const status = res.statusCode ?? 0;
            readErrorBody(res, (body) => {
              const fields = statusOfBody(body);
              end({ kind: 'http-error', status, ...(fields.reason && { reason: fields.reason }), message: fields.message ?? 'no message' });
            });
            return;
          }
          handlers.onOpen();
          let partial = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const lines = (partial + chunk).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines) {
              if (finished) return;
              if (line.trim() !== '') handlers.onLine(line);
            }
          });
          // A trailing partial line means the stream was cut mid-event; it is dropped, and the next watch resumes
          // from the last complete event's resourceVersion.
          res.on('end', () => end({ kind: 'closed' }));
          res.on('error', network);
          res.on('close', () => end({ kind: 'network-error', message: 'connection closed in the middle of the watch response' }));
        },
      );
      req.on('error', network);
      req.end();
    },
    (err: unknown) => network(err instanceof Error ? err : new Error(String(err))),
  );

  return {
    close() {
      if (finished) return;
      finished = true;
      release();
    },
  };
}
