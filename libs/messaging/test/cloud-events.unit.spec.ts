import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '#event-store';
import { partitionKeyOf, toCloudEventMessage } from '#messaging';

const event = (streamName: string): RecordedEvent => ({
  id: '6f1c1d1e-0000-4000-8000-000000000001',
  type: 'GestureGranted',
  schemaVersion: 1,
  data: { gestureId: 'emp-7~x' },
  metadata: { correlationId: 'corr-1', causationId: null, actor: 'till-1', recordedAt: '2026-11-23T10:00:00.000Z' },
  streamName,
  revision: 4n,
  position: { commit: 900n, prepare: 17n },
});

describe('CloudEvents binary mode', () => {
  it('keys budget events by employee, loyalty events by customer, the policy by "policy"', () => {
    expect(partitionKeyOf('discretion-budget-emp-7')).toBe('emp-7');
    expect(partitionKeyOf('customer-loyalty-cust-1')).toBe('cust-1');
    expect(partitionKeyOf('policy')).toBe('policy');
  });

  it('carries the event data as the value and every attribute as a ce_ header', () => {
    const message = toCloudEventMessage(event('discretion-budget-emp-7'), '/gesture-ledger');
    expect(message.key).toBe('emp-7');
    expect(JSON.parse(message.value as string)).toEqual({ gestureId: 'emp-7~x' });
    expect(message.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: '6f1c1d1e-0000-4000-8000-000000000001',
      ce_source: '/gesture-ledger',
      ce_type: 'dev.gesture-ledger.GestureGranted.v1',
      ce_time: '2026-11-23T10:00:00.000Z',
      ce_subject: 'discretion-budget-emp-7',
      ce_streamrevision: '4',
      ce_correlationid: 'corr-1',
      'content-type': 'application/json',
    });
    expect(message.headers.ce_dataschema).toBe("https://schemas.gesture-ledger.dev/v1/GestureGranted.json");
    expect(message.headers.ce_causationid).toBeUndefined();
  });
});
