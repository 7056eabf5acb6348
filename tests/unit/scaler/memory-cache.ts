// An in-memory stand-in for ResourceCache in the controllers' unit tests: put and remove emit the events the real
// cache emits; `synced` can be turned off to play a cache that has not listed yet (or is forbidden to).
import type { CacheEvent, CacheListener, KubeObject } from '../../../kube/watch/index.js';

export class MemoryCache<T extends KubeObject> {
  store = new Map<string, T>();
  listeners = new Set<CacheListener<T>>();
  synced = true;
  starts = 0;
  key = (o: T): string => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? ''));
  get = (k: string): T | undefined => this.store.get(k);
  list = (): T[] => [...this.store.values()];
  isSynced = (): boolean => this.synced;
  start = (): void => {
    this.starts++;
  };
  stop = async (): Promise<void> => {};
  on(l: CacheListener<T>): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(e: CacheEvent<T>): void {
    for (const l of this.listeners) l(e);
  }
  put(o: T): void {
    const old = this.store.get(this.key(o));
    this.store.set(this.key(o), o);
    this.emit(old ? { type: 'modified', key: this.key(o), object: o, old } : { type: 'added', key: this.key(o), object: o });
  }
  remove(o: T): void {
    this.store.delete(this.key(o));
    this.emit({ type: 'deleted', key: this.key(o), object: o });
  }
}
