import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { mintToken, TokenVerifier } from '#auth';
import { InvalidAppendError } from '#event-store';
import type { GestureLedger } from '#ledger';
import { RecordingPublisher } from '#messaging';
import { DeadLetterQueue } from './dead-letters.js';
import { FrontlineActionHandler } from './frontline-action-handler.js';
import { stampedByBroker, type IncomingAction } from './incoming-action.js';

const jwt = { hs256Secret: 'unit-secret-unit-secret-unit-secret-0001', issuer: 'gesture-ledger', audience: 'gesture-ledger' };

/** A ledger whose `recordPurchase` does what the test says, attempt by attempt. */
function ledgerRecordingPurchases(attempt: (n: number) => Promise<unknown>): GestureLedger & { calls: number } {
  const ledger = { calls: 0, recordPurchase: () => attempt(++ledger.calls) };
  return ledger as unknown as GestureLedger & { calls: number };
}

function purchase(headers: IncomingAction['headers'], timestamp = String(Date.now()), over: Record<string, unknown> = {}): IncomingAction {
  const data = { customerId: 'c-1', purchaseId: 'p-1', amountMinor: 100, currency: 'USD', channel: 'pos', storeId: 'nyc-fifth-ave', occurredAt: new Date().toISOString(), ...over };
  return { topic: 'actions', partition: 3, offset: '42', key: Buffer.from('c-1'), value: Buffer.from(JSON.stringify({ type: 'purchase.recorded', data })), headers, timestamp };
}

function redemption(headers: IncomingAction['headers'], over: Record<string, unknown> = {}): IncomingAction {
  const data = { customerId: 'c-1', redemptionId: 'r-1', points: 10, channel: 'pos', storeId: 'nyc-fifth-ave', occurredAt: new Date().toISOString(), ...over };
  return { topic: 'actions', partition: 3, offset: '43', key: Buffer.from('c-1'), value: Buffer.from(JSON.stringify({ type: 'points.redeemed', data })), headers, timestamp: String(Date.now()) };
}

function handlerWith(ledger: GestureLedger, now: () => number = Date.now, brokerStampsArrival = false) {
  const publisher = new RecordingPublisher();
  const handler = new FrontlineActionHandler(ledger, new TokenVerifier(jwt, now), new DeadLetterQueue(publisher, 'actions.dlq', 'group'), { valueBytesMax: 64 * 1024, backoff: { initialMs: 1, maxMs: 1 }, log: () => undefined });
  handler.judgeTokensAtArrival(brokerStampsArrival);
  return { handler, publisher };
}

/** Aborts after `ms`, so that a message retried forever ends the test instead of hanging it. */
const deadline = (ms: number) => AbortSignal.timeout(ms);

describe('FrontlineActionHandler', () => {
  it('verifies the token once: a valid message retried through an outage longer than its token is applied, not dead-lettered', async () => {
    let now = Date.now();
    const token = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: 'nyc-fifth-ave' }, 120);
    // Each failed attempt lasts a minute: by the fourth the token has expired (beyond the 30 s tolerance).
    const ledger = ledgerRecordingPurchases(async (n) => {
      if (n < 4) {
        now += 60_000;
        throw new Error('connect ECONNREFUSED (test outage)');
      }
      return { kind: 'ok', value: { balancePoints: 10 } };
    });
    const { handler, publisher } = handlerWith(ledger, () => now);

    const disposition = await handler.handle(purchase({ authorization: `Bearer ${token}` }), deadline(10_000));

    expect(disposition).toMatchObject({ kind: 'applied', type: 'purchase.recorded' });
    expect(ledger.calls).toBe(4);
    expect(publisher.letters).toEqual([]);
  });

  describe('a message that waited in the topic longer than its token lives', () => {
    // Minted for two minutes, consumed an hour after it reached the broker (a consumer outage, a backlog).
    const arrived = Date.parse('2026-11-23T10:00:00.000Z');
    const consumed = arrived + 3_600_000;
    const minted = () => mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: 'nyc-fifth-ave' }, 120, arrived - 10_000);
    const applied = () => ledgerRecordingPurchases(async () => ({ kind: 'ok', value: { balancePoints: 10 } }));

    it('is applied when the broker stamped its arrival (LogAppendTime): the token was valid then', async () => {
      const { handler, publisher } = handlerWith(applied(), () => consumed, true);
      expect(await handler.handle(purchase({ authorization: `Bearer ${await minted()}` }, String(arrived)), deadline(5_000))).toMatchObject({ kind: 'applied' });
      expect(publisher.letters).toEqual([]);
    });

    it("is dead-lettered when the timestamp is the producer's own, which could date it back into the token's life", async () => {
      const { handler } = handlerWith(applied(), () => consumed, false);
      expect(await handler.handle(purchase({ authorization: `Bearer ${await minted()}` }, String(arrived)), deadline(5_000))).toMatchObject({ kind: 'dead_lettered', reason: 'unauthenticated' });
    });

    it("is dead-lettered when its own batch says the timestamp is the producer's, though the topic is LogAppendTime now", async () => {
      const { handler } = handlerWith(applied(), () => consumed, true);
      const written = { ...purchase({ authorization: `Bearer ${await minted()}` }, String(arrived)), stampedByBroker: false };
      expect(await handler.handle(written, deadline(5_000))).toMatchObject({ kind: 'dead_lettered', reason: 'unauthenticated' });
      expect(await handler.handle({ ...written, stampedByBroker: true }, deadline(5_000))).toMatchObject({ kind: 'applied' });
    });

    it('reads the timestamp type from what kafkajs decoded of the batch', () => {
      expect([{ batchContext: { timestampType: 1 } }, { batchContext: { timestampType: 0 } }, { batchContext: {} }, {}].map(stampedByBroker)).toEqual([true, false, undefined, undefined]);
    });

    it('is dead-lettered when it reached the broker after its token expired', async () => {
      const { handler } = handlerWith(applied(), () => consumed, true);
      expect(await handler.handle(purchase({ authorization: `Bearer ${await minted()}` }, String(arrived + 600_000)), deadline(5_000))).toMatchObject({ kind: 'dead_lettered', reason: 'unauthenticated' });
    });

    it('hands the ledger its arrival as when the request was received, where the broker stamped it, so a backlog refuses no live gesture', async () => {
      const seen: (string | undefined)[] = [];
      const ledger = { requestGesture: async (_: unknown, ctx: { receivedAt?: string }) => (seen.push(ctx.receivedAt), { kind: 'ok', value: { outcome: 'granted' } }) } as unknown as GestureLedger;
      const staff = await mintToken(jwt, { sub: 'emp-7', roles: ['associate'], store: 'nyc-fifth-ave' }, 120, arrived - 10_000);
      const data = { employeeId: 'emp-7', customerId: 'c-1', gestureType: 'goodwill_credit', amountMinor: 100, currency: 'USD', channel: 'pos', storeId: 'nyc-fifth-ave', reasonCode: 'service_failure', note: 'n', occurredAt: new Date(arrived).toISOString(), idempotencyKey: 'k-1' };
      const gesture = { ...purchase({ authorization: `Bearer ${staff}` }, String(arrived)), value: Buffer.from(JSON.stringify({ type: 'gesture.requested', data })) };
      expect(await handlerWith(ledger, () => consumed, true).handler.handle(gesture, deadline(5_000))).toMatchObject({ kind: 'applied' });
      // A producer's own timestamp vouches for nothing: judged as of now (its token, here still valid at the consumer's now, passes).
      const fresh = await mintToken(jwt, { sub: 'emp-7', roles: ['associate'], store: 'nyc-fifth-ave' }, 120, consumed - 10_000);
      expect(await handlerWith(ledger, () => consumed, false).handler.handle({ ...gesture, headers: { authorization: `Bearer ${fresh}` } }, deadline(5_000))).toMatchObject({ kind: 'applied' });
      expect(seen).toEqual(['2026-11-23T10:00:00.000Z', undefined]);
    });
  });

  it('reads the authorization header whatever the case of its name, as HTTP does', async () => {
    const token = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: 'nyc-fifth-ave' });
    const ledger = ledgerRecordingPurchases(async () => ({ kind: 'ok', value: { balancePoints: 10 } }));
    const { handler } = handlerWith(ledger);

    for (const name of ['Authorization', 'AUTHORIZATION']) {
      expect(await handler.handle(purchase({ [name]: Buffer.from(`Bearer ${token}`) }), deadline(5_000))).toMatchObject({ kind: 'applied' });
    }
  });

  it('takes a header without a value (null, as the Java client and librdkafka may send it) as absent, instead of retrying the message forever', async () => {
    const token = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: 'nyc-fifth-ave' });
    const correlationIds: string[] = [];
    const recordPurchase = async (_input: unknown, ctx: { correlationId: string }) => {
      correlationIds.push(ctx.correlationId);
      return { kind: 'ok', value: { balancePoints: 10 } };
    };
    const { handler, publisher } = handlerWith({ recordPurchase } as unknown as GestureLedger);

    const applied = await handler.handle(purchase({ authorization: `Bearer ${token}`, 'x-correlation-id': null }), deadline(5_000));
    // Repeated, its first value null: the first one present is the one read.
    const fellBack = await handler.handle(purchase({ authorization: `Bearer ${token}`, 'X-Correlation-Id': [null, Buffer.from('corr-2')], ce_id: 'ce-2' }), deadline(5_000));
    const unauthenticated = await handler.handle(purchase({ authorization: null }), deadline(5_000));

    expect(applied).toMatchObject({ kind: 'applied', type: 'purchase.recorded' });
    expect(fellBack).toMatchObject({ kind: 'applied' });
    expect(correlationIds[1]).toBe('corr-2');
    expect(unauthenticated).toMatchObject({ kind: 'dead_lettered', reason: 'unauthenticated' });
    expect(handler.counts.retries).toBe(0);
    expect(publisher.letters.map((l) => l.headers.dlq_reason)).toEqual(['unauthenticated']);
  });

  it('hands the ledger the associate a purchase or a redemption names (employeeId), checked by the HTTP rules', async () => {
    const token = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: 'nyc-fifth-ave' });
    const calls: Array<{ call: string; employeeId: unknown }> = [];
    const answer = (call: string) => async (input: { employeeId?: unknown }) => {
      calls.push({ call, employeeId: input.employeeId });
      return { kind: 'ok', value: { balancePoints: 10 } };
    };
    const { handler } = handlerWith({ recordPurchase: answer('recordPurchase'), redeemPoints: answer('redeemPoints') } as unknown as GestureLedger);
    const headers = { authorization: `Bearer ${token}` };

    expect(await handler.handle(purchase(headers, undefined, { employeeId: 'emp-7' }), deadline(5_000))).toMatchObject({ kind: 'applied', type: 'purchase.recorded' });
    expect(await handler.handle(redemption(headers, { employeeId: 'emp-7' }), deadline(5_000))).toMatchObject({ kind: 'applied', type: 'points.redeemed' });
    expect(await handler.handle(redemption(headers, { employeeId: null }), deadline(5_000))).toMatchObject({ kind: 'applied', type: 'points.redeemed' });
    expect(calls).toEqual([
      { call: 'recordPurchase', employeeId: 'emp-7' },
      { call: 'redeemPoints', employeeId: 'emp-7' },
      { call: 'redeemPoints', employeeId: null },
    ]);
    const bad = await handler.handle(purchase(headers, undefined, { employeeId: 'emp 7' }), deadline(5_000));
    expect(bad).toEqual({ kind: 'dead_lettered', reason: 'validation_failed', details: [expect.stringMatching(/^employeeId: employeeId must be /)] });
  });

  it('dead-letters data PostgreSQL refuses (SQLSTATE class 22) at once, with the code, instead of retrying it forever', async () => {
    const token = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: 'nyc-fifth-ave' });
    const ledger = ledgerRecordingPurchases(async () => {
      throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
    });
    const { handler, publisher } = handlerWith(ledger);

    const disposition = await handler.handle(purchase({ authorization: `Bearer ${token}` }), deadline(5_000));

    expect(disposition).toEqual({ kind: 'dead_lettered', reason: 'invalid_data', details: ['22P05: unsupported Unicode escape sequence'] });
    expect(ledger.calls).toBe(1);
    expect(publisher.letters.map((l) => l.headers.dlq_reason)).toEqual(['invalid_data']);
  });

  it('dead-letters text the event store refuses (InvalidAppendError) at once', async () => {
    const token = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: 'nyc-fifth-ave' });
    const ledger = ledgerRecordingPurchases(async () => {
      throw new InvalidAppendError('events[0].data.note', 'contains a NUL character (U+0000)');
    });
    const { handler } = handlerWith(ledger);

    expect(await handler.handle(purchase({ authorization: `Bearer ${token}` }), deadline(5_000))).toEqual({ kind: 'dead_lettered', reason: 'invalid_data', details: ['events[0].data.note: contains a NUL character (U+0000)'] });
    expect(ledger.calls).toBe(1);
  });

  it('still retries database errors that are not about the data (a lost connection, SQLSTATE 08006)', async () => {
    const token = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: 'nyc-fifth-ave' });
    const ledger = ledgerRecordingPurchases(async (n) => {
      if (n < 3) throw Object.assign(new Error('connection failure'), { code: '08006' });
      return { kind: 'ok', value: { balancePoints: 10 } };
    });
    const { handler } = handlerWith(ledger);

    expect(await handler.handle(purchase({ authorization: `Bearer ${token}` }), deadline(5_000))).toMatchObject({ kind: 'applied' });
    expect(ledger.calls).toBe(3);
    expect(handler.counts.retries).toBe(2);
  });
});
