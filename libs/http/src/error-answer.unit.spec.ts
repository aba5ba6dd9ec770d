import { describe, expect, it } from '@jest/globals';
import { EventStoreOverloadedError, EventStoreTimeoutError } from '#event-store';
import { errorAnswer } from './error-answer.js';

describe('errorAnswer', () => {
  it('answers a database that did not answer in time as 503 with a retry delay, not as our 500', () => {
    expect(errorAnswer(new EventStoreTimeoutError(35_000))).toEqual({
      status: 503,
      body: { statusCode: 503, error: 'Service Unavailable', reason: 'store_unavailable', message: 'the event store did not answer in time; retry with the same idempotency key' },
      retryAfterSeconds: '5',
    });
  });

  it('answers a full append queue as 503 overloaded, retry in a second', () => {
    expect(errorAnswer(new EventStoreOverloadedError(50_000, 1_024))).toMatchObject({ status: 503, body: { reason: 'overloaded' }, retryAfterSeconds: '1' });
  });
});
