// Canned AdmissionReviews (tests/fixtures/admission/*.json) and small helpers shared by the admission tests.
import { readFileSync } from 'node:fs';
import type { DestinationStream } from 'pino';

export type FixtureName = 'pod-create' | 'pod-create-v1beta1' | 'pod-create-dryrun' | 'pod-update' | 'pod-delete' | 'spiderippool-create';

/** A fresh parse of the fixture each time, so a test may modify it freely. */
export function loadFixture(name: FixtureName): Record<string, unknown> {
  const text = readFileSync(new URL(`../../fixtures/admission/${name}.json`, import.meta.url), 'utf8');
  return JSON.parse(text) as Record<string, unknown>;
}

export function fixtureText(name: FixtureName): string {
  return readFileSync(new URL(`../../fixtures/admission/${name}.json`, import.meta.url), 'utf8');
}

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A pino destination that keeps every line, parsed. */
export function collectLogs(): { lines: LogLine[]; raw: string[]; destination: DestinationStream } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  return {
    lines,
    raw,
    destination: {
      write(chunk: string) {
        raw.push(chunk);
        lines.push(JSON.parse(chunk) as LogLine);
      },
    },
  };
}
