// A reader for the YAML that kubeconfig files are written in, so that the plugin needs no YAML library (startup time is
// the plugin's budget). It reads JSON, and YAML block style as kubectl, kubeadm and client-go write it: nested
// mappings, sequences ("- name: x" items included), plain, single- and double-quoted scalars, comments, and flow
// collections that are JSON or empty. Anything else (block scalars, anchors, tags) is refused with the line, never
// guessed at.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  number: number;
  indent: number;
  text: string;
}

export class YamlSubsetError extends Error {}

const fail = (line: number, message: string): never => {
  throw new YamlSubsetError(`line ${line}: ${message}`);
};

/** The text before a comment: "#" at the start or after whitespace, outside quotes. */
function stripComment(text: string): string {
  // Most lines have no "#" at all, and base64 lines of certificates are thousands of characters long.
  if (!text.includes('#')) return text;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:[{,-]/.test(text[i - 1] ?? '')) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) return text.slice(0, i);
  }
  return text;
}

function toLines(source: string): Line[] {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    const number = i + 1;
    const body = stripComment(raw).trimEnd();
    if (body.trim() === '' || body === '---' || body === '...') return;
    if (/^\s*\t/.test(body)) fail(number, 'indentation with a tab');
    const indent = body.length - body.trimStart().length;
    lines.push({ number, indent, text: body.trimStart() });
  });
  return lines;
}

function scalar(text: string, line: number): YamlValue {
  const t = text.trim();
  if (t.startsWith('"')) {
    try {
      return JSON.parse(t) as string;
    } catch {
      return fail(line, `cannot read the double-quoted value ${t}`);
    }
  }
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) fail(line, `unterminated single-quoted value ${t}`);
    return t.slice(1, -1).replaceAll("''", "'");
  }
  if (t.startsWith('{') || t.startsWith('[')) {
    if (t === '{}') return {};
    if (t === '[]') return [];
    try {
      return JSON.parse(t) as YamlValue;
    } catch {
      return fail(line, `flow collections are read only when they are JSON: ${t}`);
    }
  }
  if (/^[|>]/.test(t)) fail(line, 'block scalars (| and >) are not read; write the value on one line');
  if (/^[&*!]/.test(t)) fail(line, 'anchors, aliases and tags are not read');
  if (t === '' || t === '~' || t === 'null' || t === 'Null' || t === 'NULL') return null;
  if (t === 'true' || t === 'True' || t === 'TRUE') return true;
  if (t === 'false' || t === 'False' || t === 'FALSE') return false;
  if (/^[-+]?(0|[1-9]\d*)$/.test(t)) return Number(t);
  return t;
}

/** "key: value" or "key:" -> [key, rest]; undefined when the line is no mapping entry. */
function splitEntry(text: string, line: number): [string, string] | undefined {
  let key: string;
  let rest: string;
  if (text.startsWith('"') || text.startsWith("'")) {
    const q = text[0] as string;
    let end = 1;
    while (end < text.length && !(text[end] === q && (q !== '"' || text[end - 1] !== '\\'))) end++;
    if (text[end + 1] !== ':') return undefined;
    key = String(scalar(text.slice(0, end + 1), line));
    rest = text.slice(end + 2);
  } else {
    const colon = /:(\s|$)/.exec(text);
    if (!colon) return undefined;
    key = text.slice(0, colon.index).trimEnd();
    if (key === '') return undefined;
    rest = text.slice(colon.index + 1);
  }
  if (rest !== '' && !/^\s/.test(rest)) return undefined;
  return [key, rest.trim()];
}

class Reader {
  private i = 0;
  constructor(private readonly lines: Line[]) {}

  current(): Line | undefined {
    return this.lines[this.i];
  }

  /** The block whose lines are indented exactly `indent`. */
  block(indent: number): YamlValue {
    const first = this.lines[this.i];
    if (!first) return null;
    return first.text === '-' || first.text.startsWith('- ') ? this.sequence(indent) : this.mapping(indent);
  }

  /** The value after "key:" with nothing on its line: a more indented block, a sequence at the key's indent, or null. */
  private nested(keyIndent: number, allowSequenceAtIndent: boolean): YamlValue {
    const next = this.lines[this.i];
    if (!next) return null;
    if (next.indent > keyIndent) return this.block(next.indent);
    if (allowSequenceAtIndent && next.indent === keyIndent && (next.text === '-' || next.text.startsWith('- ')))
      return this.sequence(keyIndent);
    return null;
  }

  private mapping(indent: number, seed?: { key: string; rest: string; line: number }): YamlValue {
    const out: Record<string, YamlValue> = {};
    const put = (key: string, rest: string, line: number) => {
      if (Object.hasOwn(out, key)) fail(line, `the key "${key}" appears twice`);
      out[key] = rest === '' ? this.nested(indent, true) : scalar(rest, line);
    };
    if (seed) put(seed.key, seed.rest, seed.line);
    for (;;) {
      const line = this.lines[this.i];
      if (!line || line.indent < indent) break;
      if (line.indent > indent) fail(line.number, 'unexpected indentation');
      if (line.text === '-' || line.text.startsWith('- ')) break;
      const entry = splitEntry(line.text, line.number);
      if (!entry) fail(line.number, `expected "key: value", got ${JSON.stringify(line.text)}`);
      this.i++;
      const [key, rest] = entry as [string, string];
      put(key, rest, line.number);
    }
    return out;
  }

  private sequence(indent: number): YamlValue {
    const out: YamlValue[] = [];
    for (;;) {
      const line = this.lines[this.i];
      if (!line || line.indent !== indent || !(line.text === '-' || line.text.startsWith('- '))) {
        if (line && line.indent > indent) fail(line.number, 'unexpected indentation');
        break;
      }
      this.i++;
      const item = line.text.slice(1).trimStart();
      if (item === '') {
        out.push(this.nested(indent, false));
        continue;
      }
      const itemIndent = indent + (line.text.length - item.length);
      if (item === '-' || item.startsWith('- ')) {
        // "- - x": a sequence inside a sequence, its first item on this line; read it as if on a line of its own.
        this.i--;
        this.lines[this.i] = { number: line.number, indent: itemIndent, text: item };
        out.push(this.sequence(itemIndent));
        continue;
      }
      const entry = item.startsWith('{') || item.startsWith('[') ? undefined : splitEntry(item, line.number);
      if (entry) out.push(this.mapping(itemIndent, { key: entry[0], rest: entry[1], line: line.number }));
      else out.push(scalar(item, line.number));
    }
    return out;
  }
}

/** Reads a kubeconfig document: JSON first (JSON is YAML), else the block-style subset. */
export function parseYamlSubset(source: string): YamlValue {
  const trimmed = source.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as YamlValue;
    } catch {
      // "{}"-style flow YAML that is not JSON falls through to the error below
    }
  }
  const lines = toLines(source);
  const reader = new Reader(lines);
  const first = lines[0];
  if (!first) return null;
  const value = reader.block(first.indent);
  const left = reader.current();
  if (left) fail(left.number, 'unexpected indentation');
  return value;
}
