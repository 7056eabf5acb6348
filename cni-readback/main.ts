// The executable: `spiderpool` / `admission-ipam` in /opt/cni/bin. stdout carries only the result or the error object;
// nothing is logged there (a runtime parses every byte of it).
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cniError, formatCniError, specCodes } from './errors.js';
import { kubeReader } from './kube-reads.js';
import { runPlugin } from './plugin.js';

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (err) {
    // EAGAIN on a non-blocking terminal, EOF-less pipes closed early: nothing was sent.
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN' || (err as NodeJS.ErrnoException).code === 'EOF') return '';
    throw err;
  }
}

async function main(): Promise<number> {
  if (process.env.CNI_COMMAND === undefined && process.stdin.isTTY) {
    process.stderr.write(
      'CNI IPAM plugin admission-ipam (ipam types "spiderpool" and "admission-ipam")\nCNI protocol versions supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0\n',
    );
    return 0;
  }
  let stdin: string;
  try {
    // A runtime always pipes the config in (VERSION gets {"cniVersion": ...}); a terminal is not waited on.
    stdin = process.stdin.isTTY ? '' : readStdin();
  } catch (err) {
    process.stdout.write(formatCniError(cniError(specCodes.ioFailure, `error reading from stdin: ${(err as Error).message}`), undefined));
    return 1;
  }
  const out = await runPlugin(process.env, stdin, { openReader: kubeReader, sleep: (ms) => sleep(ms) });
  process.stdout.write(out.stdout);
  return out.exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stdout.write(
      formatCniError(cniError(specCodes.internal, `internal error: ${err instanceof Error ? err.message : String(err)}`), undefined),
    );
    process.exitCode = 1;
  },
);
