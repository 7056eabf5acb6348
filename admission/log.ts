// JSON logs with pino: a constant message plus fields (`log.info({uid}, 'admission request answered')`),
// the level as a string label, ISO timestamps, errors under `err`, secrets redacted.
import { hostname } from 'node:os';
import { type DestinationStream, type Level, type Logger, pino, stdSerializers, stdTimeFunctions } from 'pino';

export type { Logger } from 'pino';
export type LogLevel = Level | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  /**
   * Added to every line as `component` (not pino's `name`: admission request loggers carry the object's
   * `name`, and two `name` keys in one JSON line are read differently by different log processors).
   */
  component?: string;
  /** Where lines go; stdout by default. Tests pass a collecting stream. */
  destination?: DestinationStream;
}

// Paths are pino/fast-redact paths. `key` alone is NOT redacted: reconcile logs carry the work-queue `key`.
export const redactedPaths: readonly string[] = [
  'tls.key',
  '*.tls.key',
  'keyPem',
  '*.keyPem',
  'privateKey',
  '*.privateKey',
  'token',
  '*.token',
  'bearerToken',
  '*.bearerToken',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    messageKey: 'msg',
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: { err: stdSerializers.errWithCause },
    redact: { paths: [...redactedPaths], censor: '[redacted]' },
    ...(options.component !== undefined ? { base: { pid: process.pid, hostname: hostname(), component: options.component } } : {}),
  };
  return options.destination !== undefined ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}
