/**
 * A consumed message as kafkajs delivered it: the broker's bytes, undecoded, so that a dead letter is the
 * original (the same key, hence the same partition; the same value; the same headers but the token).
 */
export interface IncomingAction {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IncomingHeaders;
  /** Milliseconds since the epoch, as the message carries it: the broker's clock on a `LogAppendTime` topic, else the producer's. */
  timestamp: string;
  /**
   * What the message's own record batch says of its timestamp: true for the broker's (`LogAppendTime`), false for
   * the producer's (`CreateTime`), absent when not known. Per batch, not per topic: batches written before the
   * topic was switched to `LogAppendTime` keep the producer's time.
   */
  stampedByBroker?: boolean;
}

/** kafkajs' record batch timestamp types (`protocol/timestampTypes`). */
const logAppendTime = 1;
const createTime = 0;

/** Whether kafkajs' decoded message says its batch's timestamp is the broker's; undefined when it does not say. */
export function stampedByBroker(message: unknown): boolean | undefined {
  const type = (message as { batchContext?: { timestampType?: unknown } } | null)?.batchContext?.timestampType;
  return type === logAppendTime ? true : type === createTime ? false : undefined;
}

/**
 * Headers as kafkajs decodes them. Kafka allows a header without a value (the Java client and librdkafka
 * send one), which kafkajs decodes as null although its `IHeaders` type leaves that out; a repeated
 * header is an array, in which any of the values may be null.
 */
export type IncomingHeaders = Record<string, HeaderBytes | null | undefined | Array<HeaderBytes | null>>;
type HeaderBytes = Buffer | string;

/**
 * A header's text, its name matched without regard to case as in HTTP; the first value if it is repeated.
 * A value that is null counts as absent: a sender's empty header must not make the message unprocessable.
 */
export function headerText(headers: IncomingHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    for (const one of Array.isArray(value) ? value : [value]) if (one != null) return one.toString();
  }
  return undefined;
}
