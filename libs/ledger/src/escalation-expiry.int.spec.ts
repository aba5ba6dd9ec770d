import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import { createEmbeddedEventStore, type EventStore } from '#event-store';
import { EscalationExpiryScheduler } from './escalation-expiry.js';
import { GestureLedger, type RequestContext } from './gesture-ledger.js';

const admin: RequestContext = { principal: { subject: 'admin', roles: ['admin'], storeId: null }, correlationId: 't' };
const till: RequestContext = { principal: { subject: 'till', roles: ['pos-system'], storeId: 'nyc-fifth-ave' }, correlationId: 't' };

describe('EscalationExpiryScheduler', () => {
  let store: EventStore;
  let now = Date.parse('2026-11-23T15:00:00Z');
  const clock = () => new Date(now);
  beforeAll(async () => {
    store = await createEmbeddedEventStore({ dataDir: 'memory://' });
  }, 60_000);
  afterAll(() => store.close());

  it('releases the reservation of an escalation nobody decided in time, and only that one', async () => {
    const ledger = new GestureLedger(store, { clock });
    await ledger.start(samplePolicy());
    for (const employeeId of ['e-1', 'e-2']) await ledger.allocateBudget({ employeeId, role: 'associate', storeId: 'nyc-fifth-ave', idempotencyKey: employeeId }, admin);
    const ask = (employeeId: string, key: string) =>
      ledger.requestGesture({ employeeId, customerId: `c-${key}`, gestureType: 'goodwill_credit', amountMinor: 4000, currency: 'USD', channel: 'pos', storeId: 'nyc-fifth-ave', reasonCode: 'service_failure', note: 'n', occurredAt: clock().toISOString(), idempotencyKey: key }, till);
    const stale = await ask('e-1', 'a');
    const decided = await ask('e-2', 'b');
    expect(stale).toMatchObject({ kind: 'ok', value: { outcome: 'escalated' } });
    const decidedId = decided.kind === 'ok' ? decided.value.gestureId : '';
    await ledger.denyGesture(decidedId, {}, { principal: { subject: 'sup', roles: ['senior_associate'], storeId: 'nyc-fifth-ave' }, correlationId: 't' });

    const scheduler = new EscalationExpiryScheduler(store, ledger, { clock, checkEveryMs: 60_000 });
    await scheduler.start();
    expect(scheduler.pendingCount).toBe(1);
    expect(await scheduler.expireDue()).toBe(0);

    now += 31 * 60_000; // the associate's escalations wait 30 minutes in the sample policy
    expect(await scheduler.expireDue()).toBe(1);
    const budget = await ledger.budget('e-1', admin.principal);
    expect(budget).toMatchObject({ kind: 'ok', value: { periods: [{ reservedMinor: 0, spentMinor: 0 }], pendingEscalations: [] } });
    const events = await store.readStream('discretion-budget-e-1');
    expect(events.map((e) => e.type)).toEqual(['BudgetAllocated', 'GestureEscalated', 'EscalationExpired']);
    expect(await scheduler.expireDue()).toBe(0);
    await scheduler.stop();
  });
});
