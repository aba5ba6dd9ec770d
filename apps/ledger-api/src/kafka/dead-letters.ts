import type { MessagePublisher } from '#messaging';

/** Why a message went to the dead-letter topic (`dlq_reason`). */
export type DeadLetterReason = 'not_json' | 'too_large' | 'invalid_envelope' | 'unknown_type' | 'validation_failed' | 'unauthenticated' | 'forbidden' | 'not_found' | 'refused' | 'idempotency_key_reused' | 'invalid_data';

/** A consumed message as the handler sees it. */
export interface IncomingAction {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Headers never copied to the dead-letter topic: the DLQ is read by people, tokens stay secret. */
const secretHeaders = new Set(['authorization']);
const detailsBytesMax = 4_096;

/**
 * Writes a message that cannot be processed, unchanged (key and value), to the dead-letter topic with
 * headers saying why and where it came from. Resolves only once the broker acknowledged it, so the
 * source offset may be committed after it.
 */
export class DeadLetterQueue {
  constructor(
    private readonly publisher: MessagePublisher,
    private readonly topic: string,
    private readonly consumerGroup: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(message: IncomingAction, reason: DeadLetterReason, details: readonly string[]): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.headers)) if (!secretHeaders.has(name.toLowerCase())) headers[name] = value;
    Object.assign(headers, {
      dlq_reason: reason,
      dlq_details: truncate(JSON.stringify(details), detailsBytesMax),
      dlq_source_topic: message.topic,
      dlq_source_partition: String(message.partition),
      dlq_source_offset: message.offset,
      dlq_consumer_group: this.consumerGroup,
      dlq_failed_at: this.clock().toISOString(),
    });
    await this.publisher.publish([{ topic: this.topic, messages: [{ key: message.key ?? '', value: message.value, headers }] }]);
  }
}

function truncate(text: string, bytesMax: number): string {
  return Buffer.byteLength(text) <= bytesMax ? text : `${Buffer.from(text).subarray(0, bytesMax - 3).toString('utf8')}...`;
}
