// The fast readers of status keys agree with the general IP parser on every input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIP, parseIP } from '../../../../ipam/ip/index.js';
import { compareIPs } from '../../../../ipam/model/index.js';
import { canonicalKey, keyAddress } from '../../../../ipam/model/ip-keys.js';

const anyText = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string({ maxLength: 40 }), fc.stringMatching(/^[0-9a-fA-F:.]{0,40}$/));

describe('status keys', () => {
  it('read exactly as parseIP and formatIP read them', () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom(4 as const, 6 as const, undefined), (text, family) => {
        const general = parseIP(text);
        const expected = general.ok && (family === undefined || general.value.family === family) ? formatIP(general.value) : undefined;
        const fast = canonicalKey(text, family);
        expect(fast.ok ? fast.value : undefined).toBe(expected);
        expect(keyAddress(text)).toEqual(general.ok ? general.value : undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it('order as their addresses do', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.ipV6(), (a, b) => {
        const x = (parseIP(a) as { ok: true; value: { value: bigint } }).value.value;
        const y = (parseIP(b) as { ok: true; value: { value: bigint } }).value.value;
        expect(Math.sign(compareIPs(a, b))).toBe(x < y ? -1 : x > y ? 1 : 0);
      }),
    );
  });

  it.each([
    ['FD00:0::1', 6, 'fd00::1'],
    ['fd00:0:0:0:0:0:0:1', 6, 'fd00::1'],
    ['1:0:0:2:0:0:0:3', 6, '1:0:0:2::3'],
    ['::ffff:10.0.0.1', 6, '::ffff:a00:1'],
    ['10.0.0.1', 4, '10.0.0.1'],
  ])('%s -> %s', (text, family, canonical) => {
    expect(canonicalKey(text, family as 4 | 6)).toEqual({ ok: true, value: canonical });
  });
});
