// The cache's contents: keys, applying watch events, and the events a relist emits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyWatchEvent, diffSnapshot, type KubeObject, type ObjectEvent, objectKey, storeOf } from '../../../kube/watch/index.js';

interface Obj extends KubeObject {
  data?: Record<string, string>;
}
const obj = (name: string, rv: string, namespace: string | null = 'ns', data?: Record<string, string>): Obj => ({
  metadata: { name, resourceVersion: rv, ...(namespace && { namespace }) },
  ...(data && { data }),
});

describe('objectKey', () => {
  it('is namespace/name, or name for cluster-scoped objects', () => {
    expect(objectKey(obj('web', '1', 'default'))).toBe('default/web');
    expect(objectKey(obj('pool-a', '1', null))).toBe('pool-a');
  });
});

describe('applyWatchEvent', () => {
  it('adds, modifies and deletes, reporting the change to the cache', () => {
    const store = new Map<string, Obj>();
    expect(applyWatchEvent(store, 'ADDED', obj('a', '1'))).toEqual({ type: 'added', key: 'ns/a', object: obj('a', '1') });
    expect(applyWatchEvent(store, 'MODIFIED', obj('a', '2'))).toEqual({
      type: 'modified',
      key: 'ns/a',
      object: obj('a', '2'),
      old: obj('a', '1'),
    });
    expect(applyWatchEvent(store, 'DELETED', obj('a', '3', 'ns', { last: 'state' }))).toEqual({
      type: 'deleted',
      key: 'ns/a',
      object: obj('a', '3', 'ns', { last: 'state' }),
    });
    expect(store.size).toBe(0);
  });

  it('reports what happened to the cache, not the watch verb', () => {
    const store = storeOf([obj('a', '1')]);
    expect(applyWatchEvent(store, 'ADDED', obj('a', '2'))?.type).toBe('modified');
    expect(applyWatchEvent(store, 'MODIFIED', obj('b', '3'))?.type).toBe('added');
    expect([...store.keys()]).toEqual(['ns/a', 'ns/b']);
  });

  it('ignores a replayed event and a DELETED for an unknown object', () => {
    const store = storeOf([obj('a', '5')]);
    expect(applyWatchEvent(store, 'MODIFIED', obj('a', '5'))).toBeUndefined();
    expect(applyWatchEvent(store, 'DELETED', obj('zzz', '6'))).toBeUndefined();
    expect([...store.values()]).toEqual([obj('a', '5')]);
  });
});

describe('diffSnapshot', () => {
  it('emits deletions, then additions and modifications; unchanged objects are silent', () => {
    const before = storeOf([obj('gone', '1'), obj('same', '2'), obj('changed', '3')]);
    const after = storeOf([obj('same', '2'), obj('changed', '9'), obj('new', '10')]);
    expect(diffSnapshot(before, after)).toEqual([
      { type: 'deleted', key: 'ns/gone', object: obj('gone', '1') },
      { type: 'modified', key: 'ns/changed', object: obj('changed', '9'), old: obj('changed', '3') },
      { type: 'added', key: 'ns/new', object: obj('new', '10') },
    ]);
  });

  it('emits nothing for an unchanged collection, and all adds for a first list', () => {
    const store = storeOf([obj('a', '1'), obj('b', '2', null)]);
    expect(diffSnapshot(store, storeOf([obj('a', '1'), obj('b', '2', null)]))).toEqual([]);
    expect(diffSnapshot(new Map(), store).map((e) => `${e.type} ${e.key}`)).toEqual(['added ns/a', 'added b']);
  });

  it('turns the old cache into the new one when its events are applied', () => {
    const arbStore = fc
      .dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.constantFrom('1', '2', '3'))
      .map((entries) => storeOf(Object.entries(entries).map(([name, rv]) => obj(name, rv))));
    fc.assert(
      fc.property(arbStore, arbStore, (before, after) => {
        const replay = new Map(before);
        const events: ObjectEvent<Obj>[] = diffSnapshot(before, after);
        for (const event of events) {
          if (event.type === 'deleted') replay.delete(event.key);
          else replay.set(event.key, event.object);
        }
        expect(new Map([...replay].sort())).toEqual(new Map([...after].sort()));
        expect(new Set(events.map((e) => e.key)).size).toBe(events.length);
      }),
    );
  });
});
