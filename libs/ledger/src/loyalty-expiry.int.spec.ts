import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loyaltyStreamName, samplePolicy } from '#domain';
import { createEmbeddedEventStore, type EventStore } from '#event-store';
import { GestureLedger, type RequestContext } from './gesture-ledger.js';

const shop = 'chicago-loop';
const ctxOf = (subject: string, roles: RequestContext['principal']['roles'], storeId: string | null): RequestContext => ({ principal: { subject, roles, storeId }, correlationId: 't' });
const crm = ctxOf('crm-1', ['crm'], null);
const till = ctxOf('till-1', ['pos-system'], shop);

/** A customer who spent enough for gold, then never came back: points due for expiry and a tier to lose. */
describe('GestureLedger.expireLoyalty', () => {
  let store: EventStore;
  let ledger: GestureLedger;
  let now = new Date('2025-01-15T15:00:00.000Z');

  beforeAll(async () => {
    store = await createEmbeddedEventStore({ dataDir: 'memory://' });
    ledger = new GestureLedger(store, { clock: () => now });
    await ledger.start(samplePolicy());
  }, 60_000);
  afterAll(() => store.close());

  const eventTypes = async (customerId: string) => (await store.readStream(loyaltyStreamName(customerId))).map((e) => e.type);

  it("expires a lapsed customer's due points and lowers their tier, once, however often it is sent", async () => {
    now = new Date('2025-01-15T15:00:00.000Z');
    const bought = await ledger.recordPurchase({ customerId: 'lapsed-1', purchaseId: 'p-1', amountMinor: 250_000, currency: 'USD', channel: 'pos', storeId: shop, occurredAt: now.toISOString() }, till);
    expect(bought).toEqual({ kind: 'ok', value: { customerId: 'lapsed-1', balancePoints: 2_500, tier: 'gold' } });

    // Still within twelve months: nothing is due yet, and nothing is written.
    now = new Date('2025-11-20T09:00:00.000Z');
    const before = await eventTypes('lapsed-1');
    expect(await ledger.expireLoyalty('lapsed-1', crm)).toEqual({ kind: 'ok', value: { customerId: 'lapsed-1', balancePoints: 2_500, tier: 'gold', pointsExpired: 0, tierChanged: null } });
    expect(await eventTypes('lapsed-1')).toEqual(before);

    // Fourteen months on, with no purchase since.
    now = new Date('2026-03-02T09:00:00.000Z');
    const expired = { customerId: 'lapsed-1', balancePoints: 0, tier: 'bronze', pointsExpired: 2_500, tierChanged: { from: 'gold', to: 'bronze' } };
    expect(await ledger.expireLoyalty('lapsed-1', crm)).toEqual({ kind: 'ok', value: expired });
    const after = await eventTypes('lapsed-1');
    expect(after.slice(before.length)).toEqual(['PointsExpired', 'TierChanged']);

    // Again the same day: nothing more is due, and nothing is written.
    now = new Date('2026-03-02T18:00:00.000Z');
    expect(await ledger.expireLoyalty('lapsed-1', crm)).toEqual({ kind: 'ok', value: { ...expired, pointsExpired: 0, tierChanged: null } });
    expect(await eventTypes('lapsed-1')).toEqual(after);
  });

  it('runs twice in one UTC day when the last store turns the month in between, each writing what is due', async () => {
    now = new Date('2024-11-15T15:00:00.000Z');
    await ledger.recordPurchase({ customerId: 'lapsed-3', purchaseId: 'p-3', amountMinor: 250_000, currency: 'USD', channel: 'pos', storeId: shop, occurredAt: now.toISOString() }, till);
    // Still November in Honolulu: the year's spend is over (gold goes), the November lot is not due yet.
    now = new Date('2025-12-01T05:00:00.000Z');
    expect(await ledger.expireLoyalty('lapsed-3', crm)).toMatchObject({ kind: 'ok', value: { pointsExpired: 0, tierChanged: { from: 'gold', to: 'bronze' } } });
    // December everywhere: the lot goes.
    now = new Date('2025-12-01T11:00:00.000Z');
    expect(await ledger.expireLoyalty('lapsed-3', crm)).toMatchObject({ kind: 'ok', value: { balancePoints: 0, pointsExpired: 2_500, tierChanged: null } });
    expect((await eventTypes('lapsed-3')).slice(-2)).toEqual(['TierChanged', 'PointsExpired']);
  });

  it('writes nothing for a customer it has never seen', async () => {
    expect(await ledger.expireLoyalty('never-seen', crm)).toEqual({ kind: 'ok', value: { customerId: 'never-seen', balancePoints: 0, tier: null, pointsExpired: 0, tierChanged: null } });
    expect(await eventTypes('never-seen')).toEqual([]);
  });

  it('is for the CRM and admins only: tills and staff are forbidden', async () => {
    now = new Date('2025-01-15T15:00:00.000Z');
    await ledger.recordPurchase({ customerId: 'lapsed-2', purchaseId: 'p-2', amountMinor: 10_000, currency: 'USD', channel: 'pos', storeId: shop, occurredAt: now.toISOString() }, till);
    now = new Date('2026-03-02T09:00:00.000Z');
    expect(await ledger.expireLoyalty('lapsed-2', till)).toEqual({ kind: 'forbidden', reason: 'role_not_allowed' });
    expect(await ledger.expireLoyalty('lapsed-2', ctxOf('mgr-1', ['manager'], shop))).toEqual({ kind: 'forbidden', reason: 'role_not_allowed' });
    expect(await ledger.expireLoyalty('lapsed-2', ctxOf('admin-1', ['admin'], null))).toMatchObject({ kind: 'ok', value: { balancePoints: 0 } });
  });
});
