import type { IHeaders } from 'kafkajs';

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
  headers: IHeaders;
  /** Milliseconds since the epoch, as the message carries it: the broker's clock on a `LogAppendTime` topic, else the producer's. */
  timestamp: string;
}

/** A header's text, its name matched without regard to case as in HTTP; the first value if it is repeated. */
export function headerText(headers: IHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || key.toLowerCase() !== name) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) return first.toString();
  }
  return undefined;
}
