import { ByteWriter, uvarintSize } from './byte-writer.js';
import { crc32c } from './crc32c.js';

/**
 * A Produce request (versions 3-7 share one body) encoded in one pass into one buffer, byte for byte
 * what kafkajs 2.2.4's `requests/produce/v3/request.js` + `recordBatch/v0` + `recordBatch/record/v0`
 * write for an uncompressed request: `kafkajs-fast-produce.ts` installs it, and the unit test compares
 * the two over random requests. Anything this does not write the way kafkajs would (a key that is not a
 * string or Buffer, a fractional timestamp...) throws `NotEncodable`, and kafkajs encodes that request.
 */

/** kafkajs' 64-bit integer (`utils/long`), used for the batch's timestamps and producer id as it does. */
export interface KafkaLong {
  getHighBits(): number;
  getLowBits(): number;
}
export type ToLong = (value: unknown) => KafkaLong;

export interface ProduceMessage {
  key?: unknown;
  value?: unknown;
  headers?: unknown;
  timestamp?: unknown;
}
export interface ProducePartitionData {
  partition: number | string;
  firstSequence?: number;
  messages: ProduceMessage[];
}
export interface ProduceTopicData {
  topic: string;
  partitions: ProducePartitionData[];
}
export interface ProduceRequestArgs {
  acks: number;
  timeout: number;
  compression?: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  topicData: ProduceTopicData[];
}

export class NotEncodable extends Error {
  constructor(reason: string) {
    super(`fast produce encoding: ${reason}; kafkajs encodes this request`);
    this.name = 'NotEncodable';
  }
}

const magicByte = 2;
const transactionalBit = 16;
/** Bytes reserved for a record's length: 2 hold bodies below 8 KiB; others are moved once. */
const recordLengthReserve = 2;
/**
 * Header names repeat on every record (the `ce_` attributes), so each is encoded once; bounded, and
 * names past the bound are simply encoded each time.
 */
const headerNames = new Map<string, Buffer>();
const headerNamesMax = 1_024;
/** Bytes per message of the last request: the next request's buffer is sized to fit without growing. */
let recentBytesPerMessage = 256;
/**
 * The most a request's buffer starts at (it grows past it as needed): a producer's requests are cut near
 * 1 MB, and without a bound one large message (a dead letter sent alone) would have the next request of a
 * thousand small ones ask for a gigabyte up front, in every producer of the process.
 */
const initialBytesMax = 2 << 20;

/** The size a request of `messages` messages starts its buffer at. */
export function initialRequestBytes(messages: number): number {
  return Math.min(initialBytesMax, 1024 + Math.ceil(1.1 * recentBytesPerMessage * messages));
}

export function encodeProduceRequest(args: ProduceRequestArgs, toLong: ToLong, now: () => number = Date.now): Buffer {
  if ((args.compression ?? 0) !== 0) throw new NotEncodable('compressed batches are not handled');
  const { acks, timeout, topicData, transactionalId = null, producerEpoch = 0 } = args;
  const producerId = args.producerId === undefined ? toLong(-1) : toLong(args.producerId);
  const messages = countMessages(topicData);
  const w = new ByteWriter(initialRequestBytes(messages));
  w.string(transactionalId);
  w.int16(acks);
  w.int32(timeout);
  w.int32(topicData.length);
  for (const { topic, partitions } of topicData) {
    w.string(topic);
    w.int32(partitions.length);
    for (const data of partitions) writePartition(w, data, !!transactionalId, producerId, producerEpoch, toLong, now);
  }
  if (messages > 0) recentBytesPerMessage = Math.min(1 << 20, Math.ceil(w.offset / messages));
  return w.written();
}

function countMessages(topicData: ProduceTopicData[]): number {
  let n = 0;
  for (const t of topicData) for (const p of t.partitions) n += p.messages.length;
  return n;
}

/** partition, batch size, then the RecordBatch (v2 "magic" format) with its CRC-32C. */
function writePartition(w: ByteWriter, data: ProducePartitionData, transactional: boolean, producerId: KafkaLong, producerEpoch: number, toLong: ToLong, now: () => number): void {
  const { messages, firstSequence = 0 } = data;
  const dateNow = now();
  const { first, max, stamped } = timestampsOf(messages);
  const firstTimestamp = stamped ? first : dateNow;
  const maxTimestamp = stamped ? max : dateNow;

  w.int32(data.partition as number);
  const sizeAt = w.offset;
  w.int32(0);
  w.int64(0, 0); // first offset: the broker assigns offsets
  const lengthAt = w.offset;
  w.int32(0);
  w.int32(0); // partition leader epoch
  w.int8(magicByte);
  const crcAt = w.offset;
  w.uint32(0);
  const bodyAt = w.offset;
  w.int16(transactional ? transactionalBit : 0);
  w.int32(messages.length - 1);
  writeLong(w, toLong(firstTimestamp));
  writeLong(w, toLong(maxTimestamp));
  writeLong(w, producerId);
  w.int16(producerEpoch);
  w.int32(firstSequence);
  w.int32(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    // kafkajs' arithmetic, strings included: `(message.timestamp || now) - firstTimestamp`.
    const delta = stamped ? ((message.timestamp || dateNow) as number) - (firstTimestamp as number) : 0;
    writeRecord(w, message, i, delta);
  }
  w.buf.writeUInt32BE(crc32c(w.buf, bodyAt, w.offset), crcAt);
  const batchBytes = w.offset - lengthAt - 4;
  w.buf.writeInt32BE(batchBytes, lengthAt);
  w.buf.writeInt32BE(8 + 4 + batchBytes, sizeAt);
}

/** kafkajs takes the lexicographically (default `sort()`) first and last of the given timestamps. */
function timestampsOf(messages: ProduceMessage[]): { first: unknown; max: unknown; stamped: boolean } {
  let stamped = false;
  for (const m of messages) if (m.timestamp != null) stamped = true;
  if (!stamped) return { first: undefined, max: undefined, stamped };
  const sorted = messages
    .map((m) => m.timestamp)
    .filter((t) => t != null)
    .sort();
  return { first: sorted[0], max: sorted[sorted.length - 1], stamped };
}

function writeLong(w: ByteWriter, value: KafkaLong): void {
  w.int64(value.getHighBits(), value.getLowBits());
}

/**
 * One record (Kafka record format v2): length, attributes, timestamp and offset deltas, key, value,
 * headers. The length is reserved before the body and filled in after it.
 */
export function writeRecord(w: ByteWriter, message: ProduceMessage, offsetDelta: number, timestampDelta: number): void {
  w.ensure(recordLengthReserve);
  const lengthAt = w.offset;
  w.offset += recordLengthReserve;
  const bodyAt = w.offset;
  w.int8(0);
  // kafkajs' Long turns NaN into 0 and refuses fractions.
  if (Number.isNaN(timestampDelta)) timestampDelta = 0;
  else if (!Number.isSafeInteger(timestampDelta)) throw new NotEncodable(`timestamp delta ${String(timestampDelta)} is not a safe integer`);
  w.varlong(timestampDelta);
  w.varint(offsetDelta);
  writeBytes(w, message.key, 'key');
  writeBytes(w, message.value, 'value');
  writeHeaders(w, message.headers === undefined ? {} : message.headers);
  const bodyBytes = w.offset - bodyAt;
  const lengthBytes = uvarintSize(bodyBytes << 1);
  if (lengthBytes !== recordLengthReserve) {
    w.ensure(lengthBytes - recordLengthReserve);
    w.buf.copyWithin(lengthAt + lengthBytes, bodyAt, bodyAt + bodyBytes);
  }
  w.offset = lengthAt;
  w.uvarint(bodyBytes << 1);
  w.offset = lengthAt + lengthBytes + bodyBytes;
}

function writeBytes(w: ByteWriter, value: unknown, what: string): void {
  if (value == null || typeof value === 'string' || Buffer.isBuffer(value)) return w.varintBytes(value);
  throw new NotEncodable(`a record ${what} of type ${typeof value}`);
}

function writeHeaders(w: ByteWriter, headers: unknown): void {
  if (headers === null || typeof headers !== 'object') throw new NotEncodable('record headers that are not an object');
  const record = headers as Record<string, unknown>;
  const names = Object.keys(record);
  let count = 0;
  for (const name of names) {
    const value = record[name];
    count += Array.isArray(value) ? value.length : 1;
  }
  w.varint(count);
  for (const name of names) {
    const value = record[name];
    if (!Array.isArray(value)) writeHeader(w, name, value);
    else for (const one of value) writeHeader(w, name, one);
  }
}

function writeHeader(w: ByteWriter, name: string, value: unknown): void {
  // kafkajs measures header values with Buffer.byteLength, which throws on anything else, null included
  // (Kafka's header without a value: kafkajs 2.2.4 measures it before its own null check). Writing null as
  // length -1 here would send what kafkajs cannot: it is refused, and kafkajs throws as it always did.
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) throw new NotEncodable(`header ${name} of type ${typeof value}`);
  writeHeaderName(w, name);
  w.varintBytes(value);
}

function writeHeaderName(w: ByteWriter, name: string): void {
  const encoded = headerNames.get(name);
  if (encoded) return w.raw(encoded);
  if (headerNames.size >= headerNamesMax) return w.varintBytes(name);
  const one = new ByteWriter(8 + 3 * name.length);
  one.varintBytes(name);
  headerNames.set(name, Buffer.from(one.written()));
  w.raw(one.written());
}
