import { MessageTooLargeError, type HeaderValue, type MessagePublisher, type OutgoingRecord } from '#messaging';
import type { IncomingAction, IncomingHeaders } from './incoming-action.js';

/** Why a message went to the dead-letter topic (`dlq_reason`). */
export type DeadLetterReason = 'not_json' | 'too_large' | 'invalid_envelope' | 'unknown_type' | 'validation_failed' | 'unauthenticated' | 'forbidden' | 'not_found' | 'refused' | 'idempotency_key_reused' | 'invalid_data';

/** Headers never copied to the dead-letter topic: the DLQ is read by people, tokens stay secret. */
const secretHeaders = new Set(['authorization']);
/** The letter's own headers, saying why and where from; an original's header named so is left out. */
const letterHeaderPrefix = 'dlq_';
const detailsBytesMax = 4_096;
/** A dead letter cut down to fit keeps the original key only up to this size: it alone could be too large. */
const cutDownKeyBytesMax = 1_024;

/**
 * Writes a message that cannot be processed, unchanged (its key, value and headers as the broker delivered
 * them, the token left out, a header without a value written empty), to the dead-letter topic with
 * headers saying why and where it came from. Resolves only once the broker acknowledged it, so the source
 * offset may be committed after it.
 */
export class DeadLetterQueue {
  constructor(
    private readonly publisher: MessagePublisher,
    private readonly topic: string,
    private readonly consumerGroup: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(message: IncomingAction, reason: DeadLetterReason, details: readonly string[]): Promise<void> {
    const why: Record<string, string> = {
      dlq_reason: reason,
      dlq_details: truncate(JSON.stringify(details), detailsBytesMax),
      dlq_source_topic: message.topic,
      dlq_source_partition: String(message.partition),
      dlq_source_offset: message.offset,
      dlq_consumer_group: this.consumerGroup,
      dlq_failed_at: this.clock().toISOString(),
    };
    try {
      await this.publish({ key: message.key, value: message.value, headers: { ...copiedHeaders(message.headers), ...why } });
    } catch (error) {
      if (!(error instanceof MessageTooLargeError)) throw error;
      // The original plus these headers is more than the topic takes, and would be refused again on every
      // retry, stalling the partition: the letter says why and where from, and what it leaves out.
      await this.publish(cutDown(message, why));
    }
  }

  private publish(letter: OutgoingRecord): Promise<void> {
    return this.publisher.publish([{ topic: this.topic, messages: [letter] }]);
  }
}

/**
 * The original's headers as its letter carries them: all but the secret ones and any named like the
 * letter's own (`dlq_` in any case), which would stand beside those claiming another reason or source.
 * A header without a value (null) goes empty, since kafkajs cannot encode a null header value (it throws,
 * and the letter would be retried forever); `dlq_null_headers` names those headers (a JSON array),
 * telling them from headers sent empty.
 */
function copiedHeaders(headers: IncomingHeaders): Record<string, HeaderValue> {
  const kept: Record<string, HeaderValue> = {};
  const nullNames: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lowerCase = name.toLowerCase();
    if (value === undefined || secretHeaders.has(lowerCase) || lowerCase.startsWith(letterHeaderPrefix)) continue;
    if (value === null || (Array.isArray(value) && value.includes(null))) nullNames.push(name);
    kept[name] = Array.isArray(value) ? value.map(emptyIfNull) : emptyIfNull(value);
  }
  if (nullNames.length > 0) kept.dlq_null_headers = JSON.stringify(nullNames);
  return kept;
}

function emptyIfNull(value: Buffer | string | null): Buffer | string {
  return value ?? Buffer.alloc(0);
}

function cutDown(message: IncomingAction, why: Record<string, string>): OutgoingRecord {
  const keepKey = message.key === null || message.key.length <= cutDownKeyBytesMax;
  return {
    key: keepKey ? message.key : null,
    value: null,
    headers: { ...why, dlq_omitted: keepKey ? 'value,headers' : 'key,value,headers', dlq_value_bytes: String(message.value?.length ?? 0) },
  };
}

function truncate(text: string, bytesMax: number): string {
  return Buffer.byteLength(text) <= bytesMax ? text : `${Buffer.from(text).subarray(0, bytesMax - 3).toString('utf8')}...`;
}
