// Polling with a deadline that reports what it last saw, for daemons and objects.
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

/** `fatal` stops polling at once: waiting longer cannot help (a daemon exited, say). */
export type PollResult<T> = { done: true; value: T } | { done: false; seen: string; fatal?: boolean };

export async function pollUntil<T>(what: string, timeoutMs: number, probe: () => Promise<PollResult<T>>, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastSeen = 'nothing yet';
  for (;;) {
    try {
      const result = await probe();
      if (result.done) return result.value;
      if (result.fatal) throw new Error(`gave up waiting for ${what}: ${result.seen}`);
      lastSeen = result.seen;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('gave up waiting')) throw err;
      lastSeen = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last seen: ${lastSeen}`);
    await sleep(intervalMs);
  }
}

export interface TlsClient {
  /** Omitted only for probing a component's own self-signed health port on loopback. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** GET over HTTPS with an explicit CA (and client certificate), resolving to status and body. */
export function httpsGet(url: string, tls: TlsClient, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.ca !== undefined, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export async function httpGet(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}
