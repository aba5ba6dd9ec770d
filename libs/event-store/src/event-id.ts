import { createHash } from 'node:crypto';

/** Namespace of the name-based (v5) UUIDs this product derives from idempotency keys. */
export const GESTURE_LEDGER_NAMESPACE = '6f1c6f52-8a4e-4b8e-9d7a-2f6d1c9e5b10';

/**
 * A deterministic UUID (RFC 9562 version 5) from a name such as `<idempotency key>/<event index>`:
 * a retried command produces the same event ids, which is what makes appends idempotent.
 */
export function deterministicEventId(name: string, namespace: string = GESTURE_LEDGER_NAMESPACE): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
