// How many IPs an automatic pool holds (behaviour §2.4, §4.3, §4.8): the workload's replica count plus a margin, or
// a fixed number, from the Pod template's `ipam.spidernet.io/ippool-ip-number` annotation.
import type { Parsed } from '../ip/index.js';

/** "N" is fixed; "+N" is flexible (replicas + N). */
export interface IPNumber {
  kind: 'fixed' | 'flexible';
  n: number;
}

/**
 * Parses `ipam.spidernet.io/ippool-ip-number`; undefined when absent. Stricter than Spiderpool, which cuts at the
 * first "+" and ignores what precedes it ("a+5" would be +5 there): here only "N" and "+N" with N ≥ 0 pass.
 */
export function parseIPNumber(text: string | undefined): Parsed<IPNumber | undefined> {
  if (text === undefined) return { ok: true, value: undefined };
  const match = /^(\+?)([0-9]+)$/.exec(text);
  const n = match ? Number(match[2]) : Number.NaN;
  if (!match || !Number.isSafeInteger(n)) {
    return {
      ok: false,
      reason: `ipam.spidernet.io/ippool-ip-number "${text}" is not "N" (a fixed pool size) or "+N" (replicas + N), with N a whole number ≥ 0`,
    };
  }
  return { ok: true, value: { kind: match[1] === '+' ? 'flexible' : 'fixed', n } };
}

/** The annotation value an auto pool carries: what the workload asked for, or "+<default>" when it asked nothing. */
export const ipNumberText = (ipNumber: IPNumber | undefined, defaultRedundant: number): string =>
  ipNumber === undefined ? `+${defaultRedundant}` : ipNumber.kind === 'flexible' ? `+${ipNumber.n}` : `${ipNumber.n}`;

const goBools: Readonly<Record<string, boolean>> = {
  ...Object.fromEntries(['1', 't', 'T', 'TRUE', 'true', 'True'].map((t) => [t, true])),
  ...Object.fromEntries(['0', 'f', 'F', 'FALSE', 'false', 'False'].map((f) => [f, false])),
};

/** `ipam.spidernet.io/ippool-reclaim`, read like Go's strconv.ParseBool; absent means true. */
export function parseReclaim(text: string | undefined): Parsed<boolean> {
  if (text === undefined) return { ok: true, value: true };
  const value = Object.hasOwn(goBools, text) ? goBools[text] : undefined;
  if (value === undefined) return { ok: false, reason: `ipam.spidernet.io/ippool-reclaim "${text}" is not "true" or "false"` };
  return { ok: true, value };
}

const countOf = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
const field = (v: unknown, key: string): unknown => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined);

/**
 * Pods of a Job: completions when set, else parallelism when set, else 1; a zero counts as 1 (the pool must hold at
 * least the one Pod the controller may still start).
 */
export function jobPodCount(parallelism: number | null | undefined, completions: number | null | undefined): number {
  const c = countOf(completions);
  if (c !== undefined) return c === 0 ? 1 : c;
  const p = countOf(parallelism);
  if (p !== undefined) return p === 0 ? 1 : p;
  return 1;
}

/** A workload object as read from the API (only apiVersion, kind, spec and status are looked at). */
export interface WorkloadObject {
  apiVersion?: string;
  kind: string;
  spec?: unknown;
  status?: unknown;
}

const groupOf = (apiVersion: string | undefined): string => {
  const slash = (apiVersion ?? '').indexOf('/');
  return slash < 0 ? '' : (apiVersion ?? '').slice(0, slash);
};

/**
 * The Pod count a native workload asks for (behaviour §4.3), or undefined for a third-party controller, whose count
 * is unknown. Deployment/ReplicaSet/StatefulSet: spec.replicas (nil ⇒ 0); DaemonSet: status.desiredNumberScheduled;
 * Job and CronJob (its jobTemplate): see jobPodCount; a bare Pod: 1.
 */
export function workloadReplicas(workload: WorkloadObject): number | undefined {
  const group = groupOf(workload.apiVersion);
  const { kind, spec } = workload;
  if (group === 'apps' && (kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'StatefulSet')) {
    return countOf(field(spec, 'replicas')) ?? 0;
  }
  if (group === 'apps' && kind === 'DaemonSet') return countOf(field(workload.status, 'desiredNumberScheduled')) ?? 0;
  if (group === 'batch' && kind === 'Job') return jobPodCount(countOf(field(spec, 'parallelism')), countOf(field(spec, 'completions')));
  if (group === 'batch' && kind === 'CronJob') {
    const jobSpec = field(field(spec, 'jobTemplate'), 'spec');
    return jobPodCount(countOf(field(jobSpec, 'parallelism')), countOf(field(jobSpec, 'completions')));
  }
  if (group === '' && kind === 'Pod') return 1;
  return undefined;
}

/** The words Spiderpool refuses a third-party workload without a fixed size with (after "<Kind>/<ns>/<name> "). */
export const fixedNumberRequired = 'only supports fixed auto-created IPPool IP Number';

/**
 * The size of the auto pool: "N" ⇒ N; "+N" ⇒ replicas + N; absent ⇒ replicas + defaultRedundant. With an unknown
 * replica count (third-party controllers, §4.8) "+N" means N and an absent annotation is an error.
 */
export function desiredSize(ipNumber: IPNumber | undefined, replicas: number | undefined, defaultRedundant: number): Parsed<number> {
  if (ipNumber?.kind === 'fixed') return { ok: true, value: ipNumber.n };
  if (ipNumber?.kind === 'flexible') return { ok: true, value: (replicas ?? 0) + ipNumber.n };
  if (replicas === undefined) {
    return { ok: false, reason: `${fixedNumberRequired}: set ipam.spidernet.io/ippool-ip-number, since its replica count is unknown` };
  }
  return { ok: true, value: replicas + Math.max(0, defaultRedundant) };
}

const stringMap = (v: unknown): Record<string, string> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
};

/** The Pod template of a workload (a CronJob's is inside its jobTemplate): its annotations and hostNetwork. */
export function podTemplateOf(workload: WorkloadObject): { annotations: Record<string, string>; hostNetwork: boolean } {
  const spec =
    groupOf(workload.apiVersion) === 'batch' && workload.kind === 'CronJob'
      ? field(field(workload.spec, 'jobTemplate'), 'spec')
      : workload.spec;
  const template = field(spec, 'template');
  return {
    annotations: stringMap(field(field(template, 'metadata'), 'annotations')),
    hostNetwork: field(field(template, 'spec'), 'hostNetwork') === true,
  };
}
