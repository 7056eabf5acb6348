// The HTTPS side of the webhooks: an express app that turns HTTP into AdmissionReviews and back,
// and the TLS server that serves it with a certificate that can be swapped without a restart.
// The HTTP rules follow controller-runtime's http.go (node20-stack-notes §2.3): only bodies that
// carry no review at all get a 4xx; everything else, including a handler that blew up, is answered
// with HTTP 200 and a well-formed review, so the API server shows the user a message instead of
// "failed calling webhook".
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from './log.js';
import type { AdmissionMetrics, AdmissionResult } from './metrics.js';
import {
  type AdmissionRequest,
  type AdmissionReviewResponse,
  type Decision,
  denied,
  isDecision,
  parseAdmissionReview,
  reviewResponse,
} from './review.js';

export interface AdmissionContext {
  /** A child logger carrying {uid, kind, namespace, name, operation, webhook}. */
  log: Logger;
}

export type AdmissionHandler = (request: AdmissionRequest, context: AdmissionContext) => Promise<Decision> | Decision;

export interface WebhookRoute {
  /** Short, stable name: used in messages, logs and the `webhook` metric label. */
  name: string;
  handler: AdmissionHandler;
}

export interface WebhookAppOptions {
  /** Keyed by URL path, e.g. `/mutate-pod`. */
  routes: Record<string, WebhookRoute>;
  log: Logger;
  metrics: AdmissionMetrics;
}

/** The API server may send old and new object (up to 3 MB each) plus the review itself. */
export const BODY_LIMIT_BYTES = 7 * 1024 * 1024;

export function createWebhookApp(options: WebhookAppOptions): Express {
  const { routes, log, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const parseJson = express.json({ limit: BODY_LIMIT_BYTES, type: 'application/json', strict: true });

  for (const [path, route] of Object.entries(routes)) {
    if (!path.startsWith('/')) throw new Error(`webhook ${route.name}: path "${path}" must start with "/"`);
    app.post(path, parseJson, async (req: Request, res: Response) => {
      await answerReview(route, req, res);
    });
    app.all(path, (req: Request, res: Response) => {
      res.status(405).set('Allow', 'POST').type('text/plain').send(`webhook ${route.name} accepts POST only, not ${req.method}\n`);
    });
  }

  app.use((req: Request, res: Response) => {
    res.status(404).type('text/plain').send(`no webhook is served at ${req.method} ${req.path}\n`);
  });

  // Errors from the body parser (size, JSON syntax, charset) and anything unforeseen.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const route = Object.hasOwn(routes, req.path) ? routes[req.path] : undefined;
    const { status, message } = describeRequestError(err);
    if (status >= 500) log.error({ err, path: req.path, webhook: route?.name }, 'webhook request failed');
    else {
      if (route !== undefined) metrics.invalidRequests.inc({ webhook: route.name });
      // Not the error object: body-parser attaches the raw body to it (megabytes, maybe a Pod's secrets).
      log.warn({ status, reason: message, path: req.path, webhook: route?.name }, 'webhook request rejected before review');
    }
    res.status(status).type('text/plain').send(`${message}\n`);
  });
  return app;

  async function answerReview(route: WebhookRoute, req: Request, res: Response): Promise<void> {
    if (!req.is('application/json')) {
      metrics.invalidRequests.inc({ webhook: route.name });
      log.warn({ webhook: route.name, contentType: req.get('content-type') }, 'webhook request rejected before review');
      res.status(415).type('text/plain').send(`webhook ${route.name}: expected Content-Type application/json\n`);
      return;
    }
    const parsed = parseAdmissionReview(req.body);
    if (!parsed.ok) {
      metrics.invalidRequests.inc({ webhook: route.name });
      log.warn({ webhook: route.name, reason: parsed.error }, 'malformed admission review');
      res.status(400).type('text/plain').send(`webhook ${route.name}: malformed AdmissionReview: ${parsed.error}\n`);
      return;
    }
    const { review } = parsed;
    const { request } = review;
    const started = performance.now();
    const requestLog = log.child({
      uid: request.uid,
      kind: request.kind.kind,
      namespace: request.namespace,
      name: request.name,
      operation: request.operation,
      webhook: route.name,
    });

    let decision: Decision;
    let result: AdmissionResult;
    let answer: AdmissionReviewResponse;
    try {
      const returned: unknown = await route.handler(request, { log: requestLog });
      if (!isDecision(returned))
        throw new TypeError(`handler returned ${returned === undefined ? 'undefined' : typeof returned}, not a Decision`);
      decision = returned;
      result = decision.kind;
      answer = reviewResponse(review, decision); // inside the try: a patch that cannot be serialised is the handler's error too
    } catch (err) {
      requestLog.error({ err }, 'admission handler failed');
      decision = denied(`internal error in webhook ${route.name}: ${errorMessage(err)}`, { code: 500, reason: 'InternalError' });
      result = 'error';
      answer = reviewResponse(review, decision);
    }

    const seconds = (performance.now() - started) / 1000;
    metrics.requests.inc({ webhook: route.name, operation: request.operation, result });
    metrics.duration.observe({ webhook: route.name }, seconds);
    if (decision.kind === 'denied' && result !== 'error') {
      requestLog.info({ result, code: decision.code, reason: decision.reason, message: decision.message }, 'admission request denied');
    } else {
      requestLog.debug({ result, durationSeconds: seconds }, 'admission request answered');
    }
    res.status(200).json(answer);
  }
}

function describeRequestError(err: unknown): { status: number; message: string } {
  const fields = typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : {};
  const status = typeof fields.status === 'number' && fields.status >= 400 && fields.status < 600 ? fields.status : 500;
  switch (fields.type) {
    case 'entity.too.large':
      return { status, message: `request body is larger than the ${BODY_LIMIT_BYTES / (1024 * 1024)} MiB allowed for an AdmissionReview` };
    case 'entity.parse.failed':
      return { status, message: `request body is not valid JSON: ${errorMessage(err)}` };
    default:
      return { status, message: status >= 500 ? 'internal error while reading the request' : errorMessage(err) };
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------
// Serving

export interface TlsMaterial {
  key: string | Buffer;
  cert: string | Buffer;
}

export interface WebhookServerOptions {
  host: string;
  /** 0 picks a free port (tests); the bound port is returned. */
  port: number;
  tls: TlsMaterial;
  /** How long `close()` lets requests in flight finish before cutting connections. */
  closeGraceMs?: number;
}

export interface WebhookServer {
  server: HttpsServer;
  port: number;
  /** Swap the serving certificate; connections opened from now on get it, open ones keep theirs. */
  rotate(tls: TlsMaterial): void;
  close(): Promise<void>;
}

export async function startWebhookServer(options: WebhookServerOptions, app: Express): Promise<WebhookServer> {
  const server = createHttpsServer({ key: options.tls.key, cert: options.tls.cert, minVersion: 'TLSv1.2' }, app);
  // The API server keeps connections to webhooks open for up to 90 s; closing them earlier races with a
  // request being sent on them. Values as Pepr's, "aligned with controller-runtime".
  server.keepAliveTimeout = 90_000;
  server.headersTimeout = 32_000;
  const port = await listen(server, options.host, options.port);
  return {
    server,
    port,
    // setSecureContext throws on a key that does not match the certificate, leaving the old pair in use.
    rotate: (tls) => server.setSecureContext({ key: tls.key, cert: tls.cert }),
    close: () => closeServer(server, options.closeGraceMs ?? 10_000),
  };
}

/** Listens and resolves with the bound port; rejects on EADDRINUSE and the like. */
export function listen(server: HttpServer | HttpsServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, closes idle keep-alive connections, and cuts the rest after `graceMs`. */
export function closeServer(server: HttpServer | HttpsServer, graceMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
    deadline.unref();
    server.close((err) => {
      clearTimeout(deadline);
      if (err) reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
