// Probes and metrics on their own plain-HTTP port, apart from the HTTPS webhook (kubebuilder's layout).
// `/healthz` only proves the event loop turns: checking the API server there would restart every
// replica on an API blip. `/readyz` is where "certificates loaded, caches synced" is answered.
import { createServer, type Server } from 'node:http';
import express, { type Express, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { closeServer, listen } from './server.js';

export interface Readiness {
  ready: boolean;
  /** Why not ready, one short sentence each (e.g. "pool informer has not synced"). */
  reasons: string[];
}

export interface HealthAppOptions {
  readiness: () => Readiness;
  registry: Registry;
}

export function createHealthApp(options: HealthAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/healthz', (_req: Request, res: Response) => {
    res.status(200).type('text/plain').send('ok\n');
  });

  app.get('/readyz', (_req: Request, res: Response) => {
    let readiness: Readiness;
    try {
      readiness = options.readiness();
    } catch (err) {
      readiness = { ready: false, reasons: [`readiness check failed: ${err instanceof Error ? err.message : String(err)}`] };
    }
    if (readiness.ready) {
      res.status(200).type('text/plain').send('ok\n');
      return;
    }
    const reasons = readiness.reasons.length > 0 ? readiness.reasons : ['not ready (no reason given)'];
    res
      .status(503)
      .type('text/plain')
      .send(`${reasons.map((reason) => `[-] ${reason}`).join('\n')}\nreadyz check failed\n`);
  });

  app.get('/metrics', async (_req: Request, res: Response) => {
    const text = await options.registry.metrics();
    res.status(200).set('Content-Type', options.registry.contentType).send(text);
  });

  app.use((req: Request, res: Response) => {
    res.status(404).type('text/plain').send(`not found: ${req.method} ${req.path} (try /healthz, /readyz, /metrics)\n`);
  });
  return app;
}

export interface HealthServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: { host: string; port: number }, app: Express): Promise<HealthServer> {
  const server = createServer(app);
  const port = await listen(server, options.host, options.port);
  return { server, port, close: () => closeServer(server, 5_000) };
}
