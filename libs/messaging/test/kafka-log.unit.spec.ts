import { describe, expect, it } from '@jest/globals';
import { kafkaLogLine } from '../src/kafka/kafka-client.js';

describe('kafkajs log lines', () => {
  const concurrent = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

  it('leaves out the broker asking a new transaction to wait for the previous commit, which kafkajs retries by design', () => {
    expect(kafkaLogLine('Connection', 'ERROR', { message: 'Response AddPartitionsToTxn(key: 24, version: 1)', broker: '127.0.0.1:9092', error: concurrent, correlationId: 382 })).toBeNull();
    expect(kafkaLogLine('Producer', 'ERROR', { message: `Failed to send messages: ${concurrent}`, retryCount: 0, retryTime: 9 })).toBeNull();
  });

  it('writes every other entry as one line, without its timestamp and logger', () => {
    expect(kafkaLogLine('Connection', 'ERROR', { message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', broker: '127.0.0.1:9092', timestamp: '2026-11-24T13:00:00.000Z', logger: 'kafkajs' })).toBe(
      'kafkajs ERROR [Connection] Connection error: connect ECONNREFUSED 127.0.0.1:9092 {"broker":"127.0.0.1:9092"}\n',
    );
  });
});
