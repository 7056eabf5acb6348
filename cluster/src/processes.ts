// Daemons of the local cluster: started detached with their output in log files,
// recorded by PID file, and stopped by exactly that PID. A PID is trusted only
// while /proc/<pid>/cmdline still names the component, so a recycled PID is
// never signalled.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Daemon {
  name: string;
  pid: number;
}

export function startDaemon(runDir: string, logDir: string, name: string, binary: string, args: string[]): Daemon {
  mkdirSync(runDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const log = openSync(`${logDir}/${name}.log`, 'a');
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log] });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${binary})`);
  child.unref();
  writeFileSync(`${runDir}/${name}.pid`, `${child.pid}\n${binary}\n`);
  return { name, pid: child.pid };
}

function recordedDaemon(runDir: string, name: string): (Daemon & { binary: string }) | undefined {
  const file = `${runDir}/${name}.pid`;
  if (!existsSync(file)) return undefined;
  const [pidLine, binary] = readFileSync(file, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 1 || !binary) return undefined;
  return { name, pid, binary };
}

export function isRunning(daemon: { pid: number; binary: string }): boolean {
  try {
    const cmdline = readFileSync(`/proc/${daemon.pid}/cmdline`, 'utf8');
    return cmdline.split('\0')[0] === daemon.binary;
  } catch {
    return false;
  }
}

export function recordedDaemons(runDir: string): Array<Daemon & { binary: string; running: boolean }> {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => recordedDaemon(runDir, f.slice(0, -4)))
    .filter((d): d is Daemon & { binary: string } => d !== undefined)
    .map((d) => ({ ...d, running: isRunning(d) }));
}

/** SIGTERM, then SIGKILL after a grace period; removes the PID file. */
export async function stopDaemon(runDir: string, name: string, graceMs = 10_000): Promise<boolean> {
  const daemon = recordedDaemon(runDir, name);
  if (!daemon) return false;
  let signalled = false;
  if (isRunning(daemon)) {
    process.kill(daemon.pid, 'SIGTERM');
    signalled = true;
    const deadline = Date.now() + graceMs;
    while (isRunning(daemon) && Date.now() < deadline) await sleep(100);
    if (isRunning(daemon)) process.kill(daemon.pid, 'SIGKILL');
    while (isRunning(daemon)) await sleep(50);
  }
  rmSync(`${runDir}/${name}.pid`, { force: true });
  return signalled;
}

export function tailOfLog(logDir: string, name: string, lines = 15): string {
  try {
    return readFileSync(`${logDir}/${name}.log`, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
