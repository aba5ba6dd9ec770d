import { hash } from 'node:crypto';

/** Namespace of the name-based (v5) UUIDs this product derives from idempotency keys. */
export const GESTURE_LEDGER_NAMESPACE = '6f1c6f52-8a4e-4b8e-9d7a-2f6d1c9e5b10';

let cachedNamespace: { text: string; bytes: Buffer } | undefined;
function namespaceBytes(namespace: string): Buffer {
  if (cachedNamespace?.text !== namespace) cachedNamespace = { text: namespace, bytes: Buffer.from(namespace.replace(/-/g, ''), 'hex') };
  return cachedNamespace.bytes;
}

/**
 * A deterministic UUID (RFC 9562 version 5) from a name such as `<idempotency key>/<event index>`:
 * a retried command produces the same event ids, which is what makes appends idempotent.
 */
export function deterministicEventId(name: string, namespace: string = GESTURE_LEDGER_NAMESPACE): string {
  const nameBytes = Buffer.from(name, 'utf8');
  const input = Buffer.allocUnsafe(16 + nameBytes.length);
  namespaceBytes(namespace).copy(input, 0);
  nameBytes.copy(input, 16);
  // One-shot hashing: several ids are derived per request, and createHash's object costs more than the hash.
  const digest = hash('sha1', input, 'buffer');
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
