// poolRecords: parseRecords of a stored pool, once per status text, handing each caller a map of its own.
import { describe, expect, it } from 'vitest';
import { poolRecords, type SpiderIPPool } from '../../../../ipam/model/index.js';

const pool = (name: string, records: Record<string, object> | string | undefined): SpiderIPPool => ({
  metadata: { name },
  spec: { ipVersion: 4, subnet: '10.6.0.0/16' },
  ...(records === undefined ? {} : { status: { allocatedIPs: typeof records === 'string' ? records : JSON.stringify(records) } }),
});

describe('poolRecords', () => {
  it('parses a status text once: later calls share the map and its frozen records', () => {
    const p = pool('once', { '10.6.0.2': { pod: 'ns/b', podUid: 'u2' }, '10.6.0.1': { pod: 'ns/a', podUid: 'u1' } });
    const first = poolRecords(p);
    const again = poolRecords({ ...p, status: { ...p.status } });
    if (!first.ok || !again.ok) throw new Error('unparsed');
    expect([...first.value.keys()]).toEqual(['10.6.0.1', '10.6.0.2']);
    expect(again.value).toBe(first.value);
    expect(again.value.get('10.6.0.1')).toBe(first.value.get('10.6.0.1'));
    expect(Object.isFrozen(first.value.get('10.6.0.1'))).toBe(true);
    // A writer changes a copy; the shared parse stays as stored.
    new Map(first.value).delete('10.6.0.1');
    const third = poolRecords(p);
    expect(third.ok && [...third.value.keys()]).toEqual(['10.6.0.1', '10.6.0.2']);
    expect(() => {
      (third.ok ? (third.value.get('10.6.0.2') as { pod: string }) : { pod: '' }).pod = 'ns/x';
    }).toThrow(TypeError);
  });

  it('parses again when the text changes, and tells pools of one name apart by their text', () => {
    const before = poolRecords(pool('changes', { '10.6.0.1': { pod: 'ns/a', podUid: 'u1' } }));
    const after = poolRecords(pool('changes', { '10.6.0.1': { pod: 'ns/a', podUid: 'u9' } }));
    expect(before.ok && before.value.get('10.6.0.1')?.podUid).toBe('u1');
    expect(after.ok && after.value.get('10.6.0.1')?.podUid).toBe('u9');
  });

  it('answers what parseRecords answers for an empty or unreadable status, in the pool family', () => {
    expect(poolRecords(pool('empty', undefined))).toEqual({ ok: true, value: new Map() });
    const broken = poolRecords(pool('broken', '{"10.6.0.1":'));
    expect(broken.ok).toBe(false);
    const wrongFamily = poolRecords(pool('v6-key', { 'fd00::1': { pod: 'ns/a', podUid: 'u1' } }));
    expect(wrongFamily.ok ? 'parsed' : wrongFamily.reason).toMatch(/status\.allocatedIPs has the key "fd00::1"/);
  });
});
