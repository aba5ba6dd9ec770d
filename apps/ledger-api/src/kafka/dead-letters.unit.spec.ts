import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { RecordingPublisher, recordBytes, type MessagePublisher } from '#messaging';
import { DeadLetterQueue } from './dead-letters.js';
import type { IncomingAction } from './incoming-action.js';

const kafkajsRecord = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: object) => { buffer: Buffer };
/** Every byte of a letter, to look for a token in, whatever the form of its parts. */
const failedAt = new Date('2026-03-01T10:00:00.000Z');
const queue = (publisher: MessagePublisher) => new DeadLetterQueue(publisher, 'actions.dlq', 'ledger', () => failedAt);
const message = (parts: Partial<IncomingAction>): IncomingAction => ({ topic: 'actions', partition: 2, offset: '17', key: null, value: null, headers: {}, timestamp: String(failedAt.getTime()), ...parts });

describe('DeadLetterQueue', () => {
  it('writes the original key, value and headers byte for byte, without any authorization header, plus why and where from', async () => {
    const publisher = new RecordingPublisher();
    const notUtf8 = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const original = message({
      key: Buffer.from('{"till":"t-1"}'),
      value: Buffer.from('not json'),
      headers: { trace: Buffer.from('{"a": 1}'), raw: notUtf8, repeated: [Buffer.from('one'), Buffer.from('two')], authorization: Buffer.from('Bearer secret-1'), Authorization: 'Bearer secret-2', AUTHORIZATION: [Buffer.from('Bearer secret-3')] },
    });

    await queue(publisher).send(original, 'not_json', ['Unexpected token']);

    expect(publisher.letters).toEqual([
      {
        key: Buffer.from('{"till":"t-1"}'),
        value: Buffer.from('not json'),
        headers: {
          trace: Buffer.from('{"a": 1}'),
          raw: notUtf8,
          repeated: [Buffer.from('one'), Buffer.from('two')],
          dlq_reason: 'not_json',
          dlq_details: '["Unexpected token"]',
          dlq_source_topic: 'actions',
          dlq_source_partition: '2',
          dlq_source_offset: '17',
          dlq_consumer_group: 'ledger',
          dlq_failed_at: '2026-03-01T10:00:00.000Z',
        },
      },
    ]);
    expect(recordBytes(publisher.letters[0]!).includes('secret-')).toBe(false);
  });

  it('writes a header without a value (null) empty, naming it, so that the letter can be encoded at all', async () => {
    const publisher = new RecordingPublisher();
    const original = message({ value: Buffer.from('not json'), headers: { 'x-correlation-id': null, trace: Buffer.from('t-1'), repeated: [Buffer.from('one'), null], authorization: null } });

    await queue(publisher).send(original, 'not_json', ['Unexpected token']);

    const letter = publisher.letters[0]!;
    expect(letter.headers).toMatchObject({ 'x-correlation-id': Buffer.alloc(0), trace: Buffer.from('t-1'), repeated: [Buffer.from('one'), Buffer.alloc(0)], dlq_null_headers: '["x-correlation-id","repeated"]', dlq_reason: 'not_json' });
    expect(letter.headers.authorization).toBeUndefined();
    // kafkajs' own record encoder, which throws on a null header value: the producer would refuse the letter forever.
    expect(kafkajsRecord({ key: letter.key, value: letter.value, headers: letter.headers }).buffer.length).toBeGreaterThan(0);
  });

  it("leaves out an original's headers named like the letter's own, in any case: only the letter says why and where from", async () => {
    const publisher = new RecordingPublisher();
    const forged = { DLQ_REASON: 'refused', Dlq_Source_Offset: '0', dlq_consumer_group: 'other', dLq_NULL_HEADERS: '["trace"]', dlq_extra: [Buffer.from('x')], dlqsource: 'kept', trace: 't-1' };

    await queue(publisher).send(message({ value: Buffer.from('x'), headers: forged }), 'not_json', []);

    expect(Object.keys(publisher.letters[0]!.headers).sort()).toEqual(['dlq_consumer_group', 'dlq_details', 'dlq_failed_at', 'dlq_reason', 'dlq_source_offset', 'dlq_source_partition', 'dlq_source_topic', 'dlqsource', 'trace']);
    expect(publisher.letters[0]!.headers).toMatchObject({ dlq_reason: 'not_json', dlq_source_offset: '17', dlq_consumer_group: 'ledger' });
  });

  it('names no null headers when there were none', async () => {
    const publisher = new RecordingPublisher();
    await queue(publisher).send(message({ value: Buffer.from('x'), headers: { trace: '' } }), 'not_json', []);
    expect(publisher.letters[0]!.headers.dlq_null_headers).toBeUndefined();
  });

  it('keeps a missing key and a missing value missing (not an empty string: the key picks the partition)', async () => {
    const publisher = new RecordingPublisher();
    await queue(publisher).send(message({ key: null, value: null }), 'not_json', ['the message has no value (a tombstone)']);
    expect(publisher.letters[0]).toMatchObject({ key: null, value: null });
  });

  it('cuts a letter the topic refuses as too large down to why and where from, instead of retrying it forever', async () => {
    const publisher = new RecordingPublisher(10_000);
    const original = message({ key: Buffer.from('emp-1'), value: Buffer.alloc(20_000, 'x'), headers: { trace: 't-1', authorization: 'Bearer secret' } });

    await queue(publisher).send(original, 'too_large', ['the value is 20000 bytes; at most 16384']);

    expect(publisher.refusals).toBe(1);
    expect(publisher.letters).toEqual([
      {
        key: Buffer.from('emp-1'),
        value: null,
        headers: expect.objectContaining({ dlq_reason: 'too_large', dlq_source_offset: '17', dlq_omitted: 'value,headers', dlq_value_bytes: '20000' }),
      },
    ]);
    expect(publisher.letters[0]!.headers.trace).toBeUndefined();
  });

  it('leaves out a key too large to be sure the cut-down letter fits', async () => {
    const publisher = new RecordingPublisher(10_000);
    await queue(publisher).send(message({ key: Buffer.alloc(20_000, 'k'), value: Buffer.from('{}') }), 'validation_failed', ['x']);
    expect(publisher.letters).toEqual([{ key: null, value: null, headers: expect.objectContaining({ dlq_omitted: 'key,value,headers', dlq_value_bytes: '2' }) }]);
  });

  it('passes any other publish failure on (the handler retries it)', async () => {
    const publisher: MessagePublisher = { publish: async () => Promise.reject(new Error('broker away')), close: async () => undefined };
    await expect(queue(publisher).send(message({ value: Buffer.from('x') }), 'not_json', [])).rejects.toThrow('broker away');
  });
});
