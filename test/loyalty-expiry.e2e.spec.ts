import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '#auth';
import { runLoyaltyExpiry } from '../scripts/loyalty-expiry.js';
import { buildDist, spawnService, type SpawnedService } from './support/built-app.js';

const jwt = { hs256Secret: 'loyalty-expiry-secret-loyalty-expiry-01', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
const shop = 'chicago-loop';

/**
 * `npm run loyalty:expire` against the all-in-one process: the query API lists the customers with points
 * or a tier, and the ledger API is asked, customer by customer, to expire what is due. (What falls due
 * when is the ledger's, tested with a moved clock in `libs/ledger/src/loyalty-expiry.int.spec.ts`.)
 */
describe('loyalty expiry run against the all-in-one', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gl-loyalty-expiry-'));
  let service: SpawnedService;
  let url: string;
  let crm: string;

  beforeAll(async () => {
    const main = join(process.cwd(), 'dist/apps/gesture-ledger/src/main.js');
    buildDist(main);
    service = spawnService(main, { PATH: process.env.PATH ?? '', PORT: '0', JWT_SECRET: jwt.hs256Secret }, cwd);
    [url] = await service.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 90_000);
    crm = await mintToken(jwt, { sub: 'crm-1', roles: ['crm'] });
    const till = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: shop });
    for (const customerId of ['lx-1', 'lx-2', 'lx-3']) {
      const res = await fetch(`${url}/purchases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${till}`, 'content-type': 'application/json' },
        body: JSON.stringify({ customerId, purchaseId: `p-${customerId}`, amountMinor: 4_200, currency: 'USD', channel: 'pos', storeId: shop, occurredAt: new Date().toISOString() }),
      });
      expect(res.status).toBe(200);
    }
    // A fourth customer has points from a bonus-points gesture only: no purchase, so no tier yet.
    const admin = await mintToken(jwt, { sub: 'admin-1', roles: ['admin'] });
    const enrolled = await fetch(`${url}/budgets`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ employeeId: 'lx-emp', role: 'associate', storeId: shop, idempotencyKey: 'enrol-lx-emp' }) });
    expect(enrolled.status).toBe(200);
    const bonus = await fetch(`${url}/gestures`, {
      method: 'POST',
      headers: { authorization: `Bearer ${till}`, 'content-type': 'application/json' },
      body: JSON.stringify({ employeeId: 'lx-emp', customerId: 'lx-4', gestureType: 'bonus_loyalty_points', points: 100, channel: 'pos', storeId: shop, reasonCode: 'loyal_customer', note: 'ten years a customer', occurredAt: new Date().toISOString(), idempotencyKey: 'bonus-lx-4' }),
    });
    expect(await bonus.json()).toMatchObject({ outcome: 'granted', points: 100 });
    // The projector follows the log: wait until it has projected all four.
    for (const deadline = Date.now() + 30_000; ; ) {
      const listed = (await (await fetch(`${url}/read/customers`, { headers: { authorization: `Bearer ${crm}` } })).json()) as { customers: unknown[] };
      if (listed.customers.length === 4) break;
      if (Date.now() > deadline) throw new Error(`projector did not list the customers: ${JSON.stringify(listed)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 120_000);

  afterAll(async () => {
    service?.child.kill('SIGTERM');
    await service?.exited;
    rmSync(cwd, { recursive: true, force: true });
  }, 30_000);

  it('lists customers in pages to the CRM, and names a bad page size', async () => {
    const first = (await (await fetch(`${url}/read/customers?limit=2`, { headers: { authorization: `Bearer ${crm}` } })).json()) as { customers: Array<{ customerId: string }>; next: string };
    expect(first.customers).toEqual([
      { customerId: 'lx-1', pointsBalance: 42, tier: 'bronze' },
      { customerId: 'lx-2', pointsBalance: 42, tier: 'bronze' },
    ]);
    const second = (await (await fetch(`${url}/read/customers?limit=2&after=${first.next}`, { headers: { authorization: `Bearer ${crm}` } })).json()) as { customers: Array<{ customerId: string }>; next: string | null };
    expect(second).toEqual({ customers: [{ customerId: 'lx-3', pointsBalance: 42, tier: 'bronze' }, { customerId: 'lx-4', pointsBalance: 100, tier: null }], next: 'lx-4' });
    const third = await (await fetch(`${url}/read/customers?limit=2&after=lx-4`, { headers: { authorization: `Bearer ${crm}` } })).json();
    expect(third).toEqual({ customers: [], next: null });
    const bad = await fetch(`${url}/read/customers?limit=0`, { headers: { authorization: `Bearer ${crm}` } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('limit must be an integer from 1 to 1000');
  });

  it('asks the ledger about every customer with points or a tier, page after page: nothing is due yet, and the bonus-only customer gets a first tier', async () => {
    const pages: number[] = [];
    const summary = await runLoyaltyExpiry({ ledgerUrl: url, readUrl: url, bearer: crm, pageSize: 2, concurrency: 2, onPage: (s) => pages.push(s.reviewed) });
    // Bought today: nothing is due; the bonus-only customer gets their first tier.
    expect(summary).toEqual({ reviewed: 4, pointsExpired: 0, tiersChanged: 0, tiersPlaced: 1, failures: 0, failed: [] });
    expect(pages).toEqual([2, 4, 4]);
  });

  it('is refused to a till (the list here; the expiry in the ledger API tests), and the run says so', async () => {
    const till = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: shop });
    expect((await fetch(`${url}/read/customers`, { headers: { authorization: `Bearer ${till}` } })).status).toBe(403);
    await expect(runLoyaltyExpiry({ ledgerUrl: url, readUrl: url, bearer: till })).rejects.toThrow(/listing customers at .* answered 403/);
  });
});
