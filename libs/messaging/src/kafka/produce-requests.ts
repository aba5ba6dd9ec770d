import type { OutgoingRecord, TopicMessages } from '../port.js';

/**
 * What one produce request may carry, like the Java producer's `max.request.size` (1 MiB): the
 * broker refuses a partition's record batch above `message.max.bytes` (1,048,588 by default) with
 * MESSAGE_TOO_LARGE, and kafkajs sends all of a partition's messages in one batch. A relay catching up
 * after an outage reads thousands of events at once; bounding the whole request bounds every
 * partition's batch in it, whatever the partitioner does with the keys.
 */
export const defaultMaxRequestBytes = 1_000_000;

/** Upper bound of a v2 record's per-record framing: attributes, deltas and varint lengths. */
const recordFramingBytes = 40;
const headerFramingBytes = 10;

/** A record's encoded size, from above: UTF-8 bytes of key, value and headers plus framing. */
export function recordBytesUpperBound(message: OutgoingRecord): number {
  let bytes = recordFramingBytes + (message.key === null ? 0 : Buffer.byteLength(message.key));
  const value = message.value;
  if (value !== null) bytes += typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  for (const name in message.headers) {
    const header = message.headers[name]!;
    if (!Array.isArray(header)) bytes += headerFramingBytes + Buffer.byteLength(name) + headerValueBytes(header);
    else for (const one of header) bytes += headerFramingBytes + Buffer.byteLength(name) + headerValueBytes(one);
  }
  return bytes;
}

/**
 * A header value's bytes. Its type leaves null out, but a header copied from a consumed record can be null
 * (Kafka's header without a value): a size estimate must not be what throws on it, stalling whatever
 * publishes it; the client's encoder decides whether it can be written.
 */
function headerValueBytes(value: string | Buffer | null): number {
  return value === null ? 0 : Buffer.byteLength(value);
}

/**
 * Cuts a publish into requests of at most `maxBytes` (estimated from above), keeping every topic's
 * messages in their order: sent one after another, each key's records still reach its partition in
 * the order given. A message larger than `maxBytes` goes alone (the broker has the last word on its
 * size). A publish that fits is returned as it is, without copying.
 */
export function splitIntoRequests<Message extends OutgoingRecord>(batches: ReadonlyArray<TopicMessages<Message>>, maxBytes: number): Array<Array<TopicMessages<Message>>> {
  if (!(Number.isInteger(maxBytes) && maxBytes > 0)) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  const requests: Array<Array<TopicMessages<Message>>> = [];
  let request: Array<TopicMessages<Message>> = [];
  let requestBytes = 0;
  for (const { topic, messages } of batches) {
    let first = 0;
    for (let i = 0; i < messages.length; i++) {
      const bytes = recordBytesUpperBound(messages[i]!);
      if (requestBytes > 0 && requestBytes + bytes > maxBytes) {
        if (i > first) request.push({ topic, messages: messages.slice(first, i) });
        requests.push(request);
        request = [];
        requestBytes = 0;
        first = i;
      }
      requestBytes += bytes;
    }
    if (messages.length > first) request.push({ topic, messages: first === 0 ? messages : messages.slice(first) });
  }
  if (request.length > 0) requests.push(request);
  return requests;
}
