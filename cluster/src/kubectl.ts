// kubectl of the local cluster, for the set-up steps that apply manifests: its output, or an error with its message.
import { spawnSync } from 'node:child_process';

export function runKubectl(kubectl: string, args: string[], input?: string): string {
  const res = spawnSync(kubectl, args, { input, encoding: 'utf8', timeout: 120_000 });
  if (res.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${res.stderr || res.stdout}`);
  return res.stdout;
}
