// Pool-name wildcards (behaviour §3.3): Go's path/filepath.Match on Linux, ported rule for rule, so a
// pattern written for Spiderpool selects the same pools here. Notably, like Go, a class is negated only by
// `[^...]`: `[!...]` is a class that contains "!" (Go has no `!` negation), and `\` escapes the next character.
import type { IPFamily } from '../ip/index.js';
import { poolFamily, type SpiderIPPool } from '../model/index.js';

const separator = '/';

// Go's ErrBadPattern; thrown deep inside the matcher and turned into a result at its edge.
class BadPattern extends Error {}

/** Spiderpool's HasWildcardInStr: `*`, `?`, or both `[` and `]`; anything else is a literal pool name. */
export function isPoolNameGlob(name: string): boolean {
  return name.includes('*') || name.includes('?') || (name.includes('[') && name.includes(']'));
}

// Splits off the leading stars and the literal/class run up to the next star outside a class (Go's scanChunk).
function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let i = 0;
  while (i < pattern.length && pattern[i] === '*') i++;
  const star = i > 0;
  const p = pattern.slice(i);
  let inRange = false;
  let j = 0;
  scan: for (; j < p.length; j++) {
    switch (p[j]) {
      case '\\':
        if (j + 1 < p.length) j++;
        break;
      case '[':
        inRange = true;
        break;
      case ']':
        inRange = false;
        break;
      case '*':
        if (!inRange) break scan;
    }
  }
  return { star, chunk: p.slice(0, j), rest: p.slice(j) };
}

// One class member, possibly escaped (Go's getEsc); a class cannot end right after it without its "]".
function getEsc(chunk: string[]): { r: string; rest: string[] } {
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') throw new BadPattern();
  let c = chunk;
  if (c[0] === '\\') {
    c = c.slice(1);
    if (c.length === 0) throw new BadPattern();
  }
  const rest = c.slice(1);
  if (rest.length === 0) throw new BadPattern();
  return { r: c[0] as string, rest };
}

// Go's matchChunk: after a mismatch it keeps walking the chunk so that a malformed pattern is always reported.
function matchChunk(chunkIn: string[], sIn: string[]): string[] | undefined {
  let chunk = chunkIn;
  let s = sIn;
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0];
    if (c === '[') {
      let r = '';
      if (!failed) {
        r = s[0] as string;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
      let negated = false;
      if (chunk[0] === '^') {
        negated = true;
        chunk = chunk.slice(1);
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (chunk[0] === ']' && nrange > 0) {
          chunk = chunk.slice(1);
          break;
        }
        const lo = getEsc(chunk);
        chunk = lo.rest;
        let hi = lo.r;
        if (chunk[0] === '-') {
          const h = getEsc(chunk.slice(1));
          hi = h.r;
          chunk = h.rest;
        }
        const cp = r.codePointAt(0) ?? -1;
        if ((lo.r.codePointAt(0) ?? 0) <= cp && cp <= (hi.codePointAt(0) ?? 0)) match = true;
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[0] === separator) failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    } else {
      if (c === '\\') {
        chunk = chunk.slice(1);
        if (chunk.length === 0) throw new BadPattern();
      }
      if (!failed) {
        if (chunk[0] !== s[0]) failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    }
  }
  return failed ? undefined : s;
}

function matchOrThrow(patternText: string, nameText: string): boolean {
  let pattern = Array.from(patternText);
  let name = Array.from(nameText);
  outer: while (pattern.length > 0) {
    const { star, chunk, rest } = scanChunk(pattern);
    pattern = rest;
    if (star && chunk.length === 0) return !name.includes(separator);
    const t = matchChunk(chunk, name);
    if (t !== undefined && (t.length === 0 || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (star) {
      for (let i = 0; i < name.length && name[i] !== separator; i++) {
        const t2 = matchChunk(chunk, name.slice(i + 1));
        if (t2 !== undefined) {
          if (pattern.length === 0 && t2.length > 0) continue;
          name = t2;
          continue outer;
        }
      }
    }
    // Before answering "no", check that the rest of the pattern is well formed, as Go does.
    while (pattern.length > 0) {
      const next = scanChunk(pattern);
      pattern = next.rest;
      matchChunk(next.chunk, []);
    }
    return false;
  }
  return name.length === 0;
}

/** filepath.Match: whether `name` matches, or the reason the pattern is malformed (Go's ErrBadPattern). */
export function globMatch(pattern: string, name: string): { ok: true; matched: boolean } | { ok: false; reason: string } {
  try {
    return { ok: true, matched: matchOrThrow(pattern, name) };
  } catch (err) {
    if (err instanceof BadPattern) return { ok: false, reason: `syntax error in pattern "${pattern}"` };
    throw err;
  }
}

export interface ExpandAt {
  family: IPFamily;
  interface: string;
}

export type ExpandResult = { ok: true; names: string[] } | { ok: false; reason: string };

const byName = (a: SpiderIPPool, b: SpiderIPPool): number => {
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Expands globs in place (literals keep their position) and runs the pre-check of §3.5: a name may appear once,
 * and every literal must name an existing pool. Globs match only the pools of the requested family; literals are
 * looked up among all pools, so a pool of the other family is reported by the family filter, as Spiderpool does.
 */
export function expandPoolNames(names: readonly string[], pools: readonly SpiderIPPool[], at: ExpandAt): ExpandResult {
  // The matches of one glob are taken in pool-name order. Spiderpool takes them in the informer's listing order,
  // which is unspecified (§13.12); sorting makes the result, and so the tie order of candidates, reproducible.
  const ofFamily = pools.filter((p) => poolFamily(p) === at.family).sort(byName);
  const expanded: string[] = [];
  for (const name of names) {
    if (!isPoolNameGlob(name)) {
      expanded.push(name);
      continue;
    }
    // A malformed pattern is refused even when no pool exists to test it against (Go notices only while matching).
    const check = globMatch(name, '');
    if (!check.ok) return { ok: false, reason: `wrong input: ${check.reason} for IPv${at.family} of ${at.interface}` };
    for (const pool of ofFamily) {
      const poolName = pool.metadata.name ?? '';
      // Cannot throw: the pattern is well formed, and Go's syntax errors do not depend on the name matched.
      if (matchOrThrow(name, poolName)) expanded.push(poolName);
    }
  }
  // The pre-check walks the list in order, so the first problem in the user's order is the one reported.
  const known = new Set(pools.map((p) => p.metadata.name ?? ''));
  const seen = new Set<string>();
  for (const name of expanded) {
    if (seen.has(name)) return { ok: false, reason: `wrong input: pool "${name}" is named twice for IPv${at.family} of ${at.interface}` };
    seen.add(name);
    if (!known.has(name)) return { ok: false, reason: `failed to get original IPPool ${name}: no SpiderIPPool named "${name}" exists` };
  }
  return { ok: true, names: expanded };
}
