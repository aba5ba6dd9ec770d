/**
 * One growable buffer that a whole produce request is written into, with the Kafka primitive types and
 * zigzag varints written by hand: kafkajs allocates a zero-filled 512-byte buffer per record and per
 * header and a `Buffer.from([...])` per varint, and copies every level into the next.
 */
export class ByteWriter {
  buf: NodeBuffer;
  offset = 0;

  constructor(initialBytes: number) {
    this.buf = allocate(Math.max(64, initialBytes));
  }

  ensure(bytes: number): void {
    if (this.offset + bytes <= this.buf.length) return;
    const grown = allocate(Math.max(this.buf.length * 2, this.offset + bytes));
    this.buf.copy(grown, 0, 0, this.offset);
    this.buf = grown;
  }

  int8(value: number): void {
    this.ensure(1);
    this.buf[this.offset++] = value & 0xff;
  }

  int16(value: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(value, this.offset);
    this.offset += 2;
  }

  int32(value: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(value, this.offset);
    this.offset += 4;
  }

  uint32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(value, this.offset);
    this.offset += 4;
  }

  /** An int64 given as its two 32-bit halves (kafkajs' `Long` gives them). */
  int64(highBits: number, lowBits: number): void {
    this.ensure(8);
    this.buf.writeInt32BE(highBits, this.offset);
    this.buf.writeInt32BE(lowBits, this.offset + 4);
    this.offset += 8;
  }

  /** Kafka's signed varint: zigzag, then 7 bits a byte, low group first (32-bit arithmetic, as kafkajs). */
  varint(value: number): void {
    this.uvarint((value << 1) ^ (value >> 31));
  }

  /** Kafka's signed varlong, for any safe integer. */
  varlong(value: number): void {
    if (value >= -0x40000000 && value < 0x40000000) return this.uvarint((value << 1) ^ (value >> 31));
    const big = BigInt(value);
    let zigzag = BigInt.asUintN(64, (big << 1n) ^ (big >> 63n));
    this.ensure(10);
    while (zigzag >= 0x80n) {
      this.buf[this.offset++] = Number(zigzag & 0x7fn) | 0x80;
      zigzag >>= 7n;
    }
    this.buf[this.offset++] = Number(zigzag);
  }

  uvarint(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let at = this.offset;
    while ((value & 0xffffff80) !== 0) {
      buf[at++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[at++] = value & 0x7f;
    this.offset = at;
  }

  /** int16 length + UTF-8 bytes, -1 for null (Kafka's STRING / NULLABLE_STRING). */
  string(value: string | null | undefined): void {
    if (value == null) return this.int16(-1);
    const bytes = Buffer.byteLength(value, 'utf8');
    this.int16(bytes);
    this.ensure(bytes);
    this.offset += this.buf.utf8Write(value, this.offset, bytes);
  }

  /** varint length + bytes, -1 for null (the key, value and headers of a record). */
  varintBytes(value: string | Buffer | null | undefined): void {
    if (value == null) return this.varint(-1);
    if (typeof value !== 'string') {
      this.varint(value.length);
      this.ensure(value.length);
      value.copy(this.buf, this.offset);
      this.offset += value.length;
      return;
    }
    // Written behind room for the length its characters would need as ASCII (exact for ASCII, the
    // usual case), so no string is measured beforehand; a longer UTF-8 text is moved up once.
    this.ensure(5 + 3 * value.length);
    const at = this.offset;
    const guessed = uvarintSize(value.length << 1);
    const bytes = this.buf.utf8Write(value, at + guessed);
    const lengthBytes = bytes === value.length ? guessed : uvarintSize(bytes << 1);
    if (lengthBytes !== guessed) this.buf.copyWithin(at + lengthBytes, at + guessed, at + guessed + bytes);
    this.uvarint(bytes << 1);
    this.offset += bytes;
  }

  /** Bytes already encoded (a cached header name). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    const buf = this.buf;
    let at = this.offset;
    // A loop beats the native copy's call overhead for the few bytes of a header name.
    if (n <= 32) for (let i = 0; i < n; i++) buf[at++] = bytes[i]!;
    else {
      buf.set(bytes, at);
      at += n;
    }
    this.offset = at;
  }

  /** The bytes written so far (a view, not a copy). */
  written(): Buffer {
    return this.buf.subarray(0, this.offset);
  }
}

/** Bytes of an unsigned varint of a non-negative int32-range value. */
export function uvarintSize(value: number): number {
  let bytes = 1;
  while ((value & 0xffffff80) !== 0) {
    bytes++;
    value >>>= 7;
  }
  return bytes;
}

/** Node's Buffer has its own UTF-8 write, without `write()`'s argument juggling (undeclared by @types/node). */
export interface NodeBuffer extends Buffer {
  utf8Write(text: string, offset?: number, length?: number): number;
}

if (typeof (Buffer.prototype as Partial<NodeBuffer>).utf8Write !== 'function') throw new Error('fast-produce: this Node.js has no Buffer#utf8Write');

function allocate(bytes: number): NodeBuffer {
  return Buffer.allocUnsafe(bytes) as NodeBuffer;
}
