// Why a pool could not answer a request. Messages name the pool and the rule; those of exhaustion keep Spiderpool's
// substring `all IP addresses used out` (behaviour §3.12) so existing alerts and parity tests still recognise them.
// The admission layer prefixes the Pod ("pod default/web-7c9f: ...").

export type AllocationErrorCode =
  /** No free address left (ErrIPUsedOut). */
  | 'used-out'
  /** The records would no longer fit in one stored object (ErrIPUsedOut as well, like Spiderpool's record cap). */
  | 'record-limit'
  /** Terminating or disabled: the pool (or subnet) takes no new allocations. */
  | 'unavailable'
  /** The pool's (or subnet's) spec or status cannot be read; nothing is written. */
  | 'unreadable'
  | 'wrong-family'
  | 'bad-request'
  /** Binding: no reservation with that token or name. */
  | 'not-found'
  /** Binding: the reservation belongs to another Pod. */
  | 'mismatch'
  | 'insufficient-subnet-ips'
  /** Shrinking an auto pool would drop allocated IPs. */
  | 'pool-shrink-blocked'
  /** A workload's auto pool comes from another subnet than the one its template names now. */
  | 'subnet-changed';

export interface AllocationError {
  code: AllocationErrorCode;
  /** The pool (or subnet) the error is about. */
  object: string;
  message: string;
}

export const usedOutSubstring = 'all IP addresses used out';
export const shrinkBlockedSubstring = 'IPPool available free IPs are not enough';

export const allocationError = (code: AllocationErrorCode, object: string, message: string): AllocationError => ({ code, object, message });
