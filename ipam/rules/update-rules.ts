// Rules every update of our resources follows.
import { finalizer, type ObjectMeta } from '../model/index.js';
import { forbidden, invalid, required, type Violation } from './violations.js';

/**
 * A terminating object that still has our finalizer is frozen, except for the update that removes finalizers
 * (the controller's last step). Returns undefined when the object is not terminating.
 */
export function terminatingUpdate(
  kind: string,
  old: { metadata: ObjectMeta; spec?: unknown },
  next: { metadata: ObjectMeta; spec?: unknown },
): Violation[] | undefined {
  if (!old.metadata.deletionTimestamp || !(old.metadata.finalizers ?? []).includes(finalizer)) return undefined;
  const finalizersRemoved = (next.metadata.finalizers ?? []).length < (old.metadata.finalizers ?? []).length;
  if (finalizersRemoved && JSON.stringify(old.spec) === JSON.stringify(next.spec)) return [];
  return [forbidden('metadata.deletionTimestamp', `${kind} "${old.metadata.name}" is being deleted and cannot be updated`)];
}

export function immutable(field: string, oldValue: unknown, newValue: unknown): Violation[] {
  if (oldValue === newValue) return [];
  if (newValue === undefined || newValue === null) return [required(field, `is immutable; keep ${JSON.stringify(oldValue)}`)];
  return [invalid(field, newValue, `is immutable (was ${JSON.stringify(oldValue)})`)];
}
