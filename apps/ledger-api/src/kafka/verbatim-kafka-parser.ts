import { KafkaParser } from '@nestjs/microservices';

/**
 * Leaves a consumed message as the broker delivered it. Nest's own parser decodes the key and every header
 * to text and parses those that look like JSON, and hands a handler the whole message object in place of a
 * null value: a dead letter made from that would not be the original (a JSON-looking key becomes
 * "[object Object]", a tombstone a JSON document with its bearer token in it).
 */
export class VerbatimKafkaParser extends KafkaParser {
  override parse<T>(message: { headers?: object }): T {
    // A copy, as Nest's: kafkajs retries with the original object.
    return { ...message, headers: { ...message.headers } } as T;
  }
}
