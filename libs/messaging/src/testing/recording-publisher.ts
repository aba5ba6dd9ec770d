import { MessageTooLargeError, type MessagePublisher, type OutgoingRecord, type TopicMessages } from '../port.js';

/**
 * A publisher for unit tests: keeps every record it is asked to publish, in order. With `bytesMax` it refuses,
 * as the broker does, any record whose key and value exceed it (and counts the refusals).
 */
export class RecordingPublisher implements MessagePublisher {
  readonly letters: OutgoingRecord[] = [];
  refusals = 0;

  constructor(private readonly bytesMax = Infinity) {}

  async publish(batches: Array<TopicMessages<OutgoingRecord>>): Promise<void> {
    for (const letter of batches.flatMap((b) => b.messages)) {
      if ((letter.key?.length ?? 0) + (letter.value?.length ?? 0) > this.bytesMax) {
        this.refusals++;
        throw new MessageTooLargeError('The request included a message larger than the max message size the server will accept');
      }
      this.letters.push(letter);
    }
  }

  async close(): Promise<void> {}
}

/** Every byte of a record (key, value, header names and values), to search for what must not be in it. */
export function recordBytes(letter: OutgoingRecord): Buffer {
  const parts = [letter.key, letter.value, ...Object.entries(letter.headers).flatMap(([name, value]) => [name, ...(Array.isArray(value) ? value : [value])])];
  return Buffer.concat(parts.flatMap((p) => (p === null ? [] : [Buffer.from(p)])));
}
