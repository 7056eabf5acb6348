// Untrusted JSON (an admission request's object) to our resource types. Every
// field the rules read is checked for its JSON type here, once, so the rules can
// trust their input; a wrong type becomes a message naming the field.
import type { Parsed } from '../ip/index.js';
import type { SpiderIPPool, SpiderReservedIP, SpiderSubnet } from './resources.js';

export interface ShapeError {
  field: string;
  value: unknown;
  expected: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;

/** Deeper than this is not an object a person wrote; refusing it also keeps recursion in bounds. */
export const maxDepth = 64;

export function deeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (depth > limit) return true;
    if (typeof v === 'object' && v !== null) for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

class Checker {
  readonly errors: ShapeError[] = [];
  fail(field: string, value: unknown, expected: string): void {
    this.errors.push({ field, value, expected });
  }
  string(o: Json, key: string, at: string, nullable = false): void {
    const v = o[key];
    if (v === undefined || (nullable && v === null)) return;
    if (typeof v !== 'string') this.fail(`${at}.${key}`, v, 'a string');
  }
  number(o: Json, key: string, at: string): void {
    const v = o[key];
    if (!absent(v) && (typeof v !== 'number' || !Number.isFinite(v))) this.fail(`${at}.${key}`, v, 'a number');
  }
  boolean(o: Json, key: string, at: string): void {
    const v = o[key];
    if (!absent(v) && typeof v !== 'boolean') this.fail(`${at}.${key}`, v, 'true or false');
  }
  strings(o: Json, key: string, at: string): void {
    const v = o[key];
    if (absent(v)) return;
    if (!Array.isArray(v)) {
      this.fail(`${at}.${key}`, v, 'a list of strings');
      return;
    }
    v.forEach((item, i) => {
      if (typeof item !== 'string') this.fail(`${at}.${key}[${i}]`, item, 'a string');
    });
  }
  stringMap(o: Json, key: string, at: string): void {
    const v = o[key];
    if (absent(v)) return;
    if (!isObject(v)) {
      this.fail(`${at}.${key}`, v, 'a map of strings');
      return;
    }
    for (const [k, item] of Object.entries(v)) if (typeof item !== 'string') this.fail(`${at}.${key}[${k}]`, item, 'a string');
  }
  objects(o: Json, key: string, at: string, each: (item: Json, at: string) => void): void {
    const v = o[key];
    if (absent(v)) return;
    if (!Array.isArray(v)) {
      this.fail(`${at}.${key}`, v, 'a list of objects');
      return;
    }
    v.forEach((item, i) => {
      if (!isObject(item)) this.fail(`${at}.${key}[${i}]`, item, 'an object');
      else each(item, `${at}.${key}[${i}]`);
    });
  }
  selector(o: Json, key: string, at: string): void {
    const v = o[key];
    if (absent(v)) return;
    if (!isObject(v)) {
      this.fail(`${at}.${key}`, v, 'a label selector {matchLabels, matchExpressions}');
      return;
    }
    this.stringMap(v, 'matchLabels', `${at}.${key}`);
    this.objects(v, 'matchExpressions', `${at}.${key}`, (expr, exprAt) => {
      this.string(expr, 'key', exprAt);
      this.string(expr, 'operator', exprAt);
      this.strings(expr, 'values', exprAt);
    });
  }
}

function checkMeta(c: Checker, meta: Json): void {
  for (const key of ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'deletionTimestamp', 'creationTimestamp'])
    c.string(meta, key, 'metadata');
  c.strings(meta, 'finalizers', 'metadata');
  c.stringMap(meta, 'labels', 'metadata');
  c.stringMap(meta, 'annotations', 'metadata');
  c.objects(meta, 'ownerReferences', 'metadata', (ref, at) => {
    for (const key of ['apiVersion', 'kind', 'name', 'uid']) c.string(ref, key, at);
    c.boolean(ref, 'controller', at);
    c.boolean(ref, 'blockOwnerDeletion', at);
  });
}

function checkAddressFields(c: Checker, spec: Json): void {
  c.number(spec, 'ipVersion', 'spec');
  c.string(spec, 'subnet', 'spec');
  c.strings(spec, 'ips', 'spec');
  c.strings(spec, 'excludeIPs', 'spec');
  c.string(spec, 'gateway', 'spec', true);
  c.objects(spec, 'routes', 'spec', (route, at) => {
    c.string(route, 'dst', at);
    c.string(route, 'gw', at);
  });
}

function parseWith<T>(
  json: unknown,
  kind: string,
  checkSpec: (c: Checker, spec: Json) => void,
  checkStatus?: (c: Checker, status: Json) => void,
): Parsed<T> | { ok: false; reason: string; errors: ShapeError[] } {
  if (!isObject(json)) return { ok: false, reason: `a ${kind} must be a JSON object`, errors: [] };
  if (deeperThan(json, maxDepth)) return { ok: false, reason: `the ${kind} nests deeper than ${maxDepth} levels`, errors: [] };
  const c = new Checker();
  const meta = json.metadata;
  if (!isObject(meta)) c.fail('metadata', meta, 'an object');
  else checkMeta(c, meta);
  const spec = json.spec ?? {};
  if (!isObject(spec)) c.fail('spec', spec, 'an object');
  else checkSpec(c, spec);
  const status = json.status;
  if (!absent(status) && !isObject(status)) c.fail('status', status, 'an object');
  else if (isObject(status) && checkStatus) checkStatus(c, status);
  if (c.errors.length > 0) {
    return { ok: false, reason: c.errors.map((e) => `${e.field} must be ${e.expected}`).join('; '), errors: c.errors };
  }
  return { ok: true, value: { ...json, spec } as unknown as T };
}

export type ParsedResource<T> = { ok: true; value: T } | { ok: false; reason: string; errors: ShapeError[] };

export function parseIPPool(json: unknown): ParsedResource<SpiderIPPool> {
  return parseWith<SpiderIPPool>(
    json,
    'SpiderIPPool',
    (c, spec) => {
      checkAddressFields(c, spec);
      for (const key of ['podAffinity', 'namespaceAffinity', 'nodeAffinity']) c.selector(spec, key, 'spec');
      for (const key of ['namespaceName', 'nodeName', 'multusName']) c.strings(spec, key, 'spec');
      c.boolean(spec, 'default', 'spec');
      c.boolean(spec, 'disable', 'spec');
    },
    (c, status) => {
      c.string(status, 'allocatedIPs', 'status', true);
      c.number(status, 'allocatedIPCount', 'status');
      c.number(status, 'totalIPCount', 'status');
    },
  ) as ParsedResource<SpiderIPPool>;
}

export function parseSubnet(json: unknown): ParsedResource<SpiderSubnet> {
  return parseWith<SpiderSubnet>(json, 'SpiderSubnet', checkAddressFields, (c, status) => {
    c.string(status, 'controlledIPPools', 'status', true);
    c.number(status, 'allocatedIPCount', 'status');
    c.number(status, 'totalIPCount', 'status');
  }) as ParsedResource<SpiderSubnet>;
}

export function parseReservedIP(json: unknown): ParsedResource<SpiderReservedIP> {
  return parseWith<SpiderReservedIP>(json, 'SpiderReservedIP', (c, spec) => {
    c.number(spec, 'ipVersion', 'spec');
    c.strings(spec, 'ips', 'spec');
  }) as ParsedResource<SpiderReservedIP>;
}
