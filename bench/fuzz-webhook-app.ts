// The target both fuzzers post to: the real express app of the webhooks on 127.0.0.1 (port 0), plain HTTP, with a
// logger that keeps each handler failure by request UID, so a 500 can be reported with the frames that threw.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdmissionMetrics, createLogger, createRegistry, createWebhookApp, type WebhookRoute } from '../admission/index.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');

export interface Crash {
  message: string;
  /** The innermost frames in this repository, e.g. "ipam/rules/address-spec.ts:95:17 (checkRangeList)". */
  frames: string[];
  stack?: string;
}

/** The first stack frames inside this repository (not node_modules). */
export function ownFrames(stack: string | undefined, max = 3): string[] {
  const frames: string[] = [];
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /at (?:(.*?) \()?(?:file:\/\/)?([^()]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m?.[2]?.startsWith(repoRoot) || m[2].includes('node_modules')) continue;
    frames.push(`${m[2].slice(repoRoot.length + 1)}:${m[3]}:${m[4]}${m[1] ? ` (${m[1]})` : ''}`);
    if (frames.length === max) break;
  }
  return frames;
}

export interface LoopbackWebhooks {
  /** e.g. `http://127.0.0.1:40123` */
  base: string;
  /** POSTs one AdmissionReview body to `path`. */
  post(path: string, body: string): Promise<{ status: number; text: string }>;
  /** The handler failure logged for this request UID, if any; each is handed out once. */
  takeCrash(uid: string): Crash | undefined;
  close(): Promise<void>;
}

export async function startLoopbackWebhooks(routes: Record<string, WebhookRoute>): Promise<LoopbackWebhooks> {
  const crashes = new Map<string, Crash>();
  const log = createLogger({
    level: 'error',
    destination: {
      write(line: string) {
        const entry = JSON.parse(line) as { uid?: string; msg?: string; err?: { message?: string; stack?: string } };
        if (entry.msg !== 'admission handler failed' || entry.uid === undefined) return;
        crashes.set(entry.uid, {
          message: entry.err?.message ?? 'unknown error',
          frames: ownFrames(entry.err?.stack),
          ...(entry.err?.stack ? { stack: entry.err.stack } : {}),
        });
      },
    },
  });
  const app = createWebhookApp({ routes, log, metrics: createAdmissionMetrics(createRegistry({ defaultMetrics: false })) });
  const server = await new Promise<Server>((ready) => {
    const listening = app.listen(0, '127.0.0.1', () => ready(listening));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    async post(path, body) {
      const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: response.status, text: await response.text() };
    },
    takeCrash(uid) {
      const crash = crashes.get(uid);
      crashes.delete(uid);
      return crash;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
