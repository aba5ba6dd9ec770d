/**
 * `npm run demo`: a realistic day of POS and call-center traffic against a running Gesture Ledger
 * (`npm start` in another terminal; DEMO_URL to point elsewhere). Enrols staff in every store of the
 * policy, then plays gestures from tills and call-center desks, escalations that supervisors approve
 * or deny, purchases, feedback, a few refusals and a few malformed requests, and prints a summary.
 * Exits 1 when any answer was not one a correct day gets (a 5xx, a 401 or 429, a malformed request
 * accepted), naming the first ones: a summary alone would read as a good day.
 */
import { mintToken, type CallerRole } from '#auth';
import { loadSettings } from '#config';

const url = process.env.DEMO_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const gestures = Number(process.env.DEMO_GESTURES ?? 600);
const settings = loadSettings();
const day = new Date().toISOString().slice(0, 10);
let seed = 20261123;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const token = (sub: string, roles: CallerRole[], store: string | null) => mintToken(settings.jwt, { sub, roles, store });

const counts = new Map<string, number>();
const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
let grantedMinor = 0;
const unexpected: string[] = [];

/** One request; an answer other than `expected` is counted and kept for the verdict. */
async function call(method: 'GET' | 'POST', path: string, bearer: string, body?: unknown, expected: readonly number[] = [200, 201]): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  count(`HTTP ${res.status}`);
  const text = await res.text();
  if (!expected.includes(res.status)) unexpected.push(`${method} ${path.split('?')[0]} answered ${res.status}: ${text.slice(0, 200)}`);
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
}

async function main(): Promise<void> {
  const admin = await token('demo-admin', ['admin'], null);
  const policy = (await call('GET', '/policy', admin)).body;
  if (!policy?.stores) throw new Error(`no policy at ${url}: ${unexpected[0] ?? 'is the server running (npm start)?'}`);
  const stores = Object.keys(policy.stores).sort();
  const staff: Array<{ id: string; role: string; store: string }> = [];
  for (const store of stores) {
    for (let i = 1; i <= 5; i++) staff.push({ id: `${store}-assoc-${i}`, role: 'associate', store });
    staff.push({ id: `${store}-senior-1`, role: 'senior_associate', store }, { id: `${store}-sup-1`, role: 'supervisor', store }, { id: `${store}-mgr-1`, role: 'manager', store });
  }
  for (const s of staff) await call('POST', '/budgets', admin, { employeeId: s.id, role: s.role, storeId: s.store, idempotencyKey: `demo-enrol-${s.id}` });
  console.log(`enrolled ${staff.length} employees in ${stores.length} stores`);

  const tills = new Map(await Promise.all(stores.map(async (s) => [s, await token(`till-${s}`, ['pos-system'], s)] as const)));
  const frontline = staff.filter((s) => s.role === 'associate' || s.role === 'senior_associate');
  const kinds: Array<[string, string, number, number]> = [
    ['goodwill_credit', 'service_failure', 500, 3000],
    ['fee_waiver', 'late_fee', 300, 2500],
    ['refund_outside_policy', 'late_return', 1500, 9000],
    ['competitor_price_match', 'competitor_lower_price', 500, 4000],
    ['gift', 'condolence', 2500, 6000],
    ['free_shipping', 'delayed_order', 500, 1500],
  ];
  const escalated: Array<{ gestureId: string; store: string; employee: string }> = [];
  for (let i = 0; i < gestures; i++) {
    const who = pick(frontline);
    const channel = who.store.includes('call-center') || who.store === 'web-support' ? 'call_center' : pick(['pos', 'pos', 'front_desk']);
    const [gestureType, reasonCode, min, max] = pick(kinds);
    const bearer = channel === 'pos' ? tills.get(who.store)! : await token(who.id, [who.role as CallerRole], who.store);
    const points = random() < 0.1;
    const body = {
      employeeId: who.id,
      customerId: `cust-${Math.floor(random() * 400)}`,
      gestureType: points ? 'bonus_loyalty_points' : random() < 0.01 ? 'cash_payout' : gestureType,
      ...(points ? { points: 200 + Math.floor(random() * 800) } : { amountMinor: min + Math.floor(random() * (max - min)), currency: 'USD' }),
      channel: channel === 'front_desk' && gestureType === 'free_shipping' ? 'pos' : channel,
      storeId: who.store,
      reasonCode: points ? 'loyal_customer' : gestureType === 'cash_payout' ? 'claim_settlement' : reasonCode,
      note: 'customer was inconvenienced; made it right',
      occurredAt: new Date().toISOString(),
      idempotencyKey: `demo-${day}-${i}`,
    };
    const res = await call('POST', '/gestures', bearer, body);
    if (res.status !== 201) continue;
    count(`gesture ${res.body.outcome}${res.body.reason ? ` (${res.body.reason})` : ''}`);
    if (res.body.outcome === 'granted') grantedMinor += res.body.cost?.amountMinor ?? 0;
    if (res.body.outcome === 'escalated') escalated.push({ gestureId: res.body.gestureId, store: who.store, employee: who.id });
    if (random() < 0.3) await call('POST', '/purchases', tills.get(who.store)!, { customerId: body.customerId, purchaseId: `demo-${day}-p${i}`, amountMinor: 2000 + Math.floor(random() * 30000), currency: 'USD', channel: 'pos', storeId: who.store, occurredAt: new Date().toISOString() });
    if (random() < 0.15) {
      const crm = await token('crm-1', ['crm'], null);
      await call('POST', '/feedback', crm, { customerId: body.customerId, feedbackId: `demo-${day}-f${i}`, kind: pick(['csat', 'csat', 'compliment', 'complaint']), score: 1 + Math.floor(random() * 5), gestureId: res.body.gestureId, occurredAt: new Date().toISOString() });
    }
  }
  for (const e of escalated) {
    const supervisor = staff.find((s) => s.store === e.store && s.role === 'supervisor')!;
    const bearer = await token(supervisor.id, ['supervisor'], e.store);
    const decision = random() < 0.75 ? 'approve' : 'deny';
    const res = await call('POST', `/gestures/${encodeURIComponent(e.gestureId)}/${decision}`, bearer, { reasonCode: decision === 'approve' ? 'justified' : 'outside_guidelines' });
    if (res.status === 200) count(`escalation ${res.body.status}`);
  }
  // A few requests a real integration gets wrong: each must be answered 400 or 403, never accepted.
  const till = tills.get(stores[0]!)!;
  await call('POST', '/gestures', till, { employeeId: 'x', amountMinor: 12.5 }, [400]);
  await call('POST', '/gestures', till, { employeeId: staff[0]!.id, customerId: 'c', gestureType: 'goodwill_credit', amountMinor: 100, currency: 'usd', channel: 'pos', storeId: stores[0], occurredAt: 'yesterday', idempotencyKey: 'bad-1' }, [400]);
  await call('POST', '/gestures', await token(staff[0]!.id, ['associate'], staff[0]!.store), { employeeId: staff[1]!.id, customerId: 'c', gestureType: 'goodwill_credit', amountMinor: 100, currency: 'USD', channel: 'pos', storeId: staff[1]!.store, reasonCode: 'service_failure', note: 'n', occurredAt: new Date().toISOString(), idempotencyKey: 'bad-2' }, [403]);

  console.log(`\nA day at ${url}: ${gestures} gesture requests, ${escalated.length} escalations`);
  for (const [key, n] of [...counts.entries()].sort()) console.log(`  ${key.padEnd(44)} ${n}`);
  console.log(`  ${'granted at once (USD)'.padEnd(44)} ${(grantedMinor / 100).toFixed(2)}`);
  const sample = staff.find((s) => s.role === 'associate')!;
  const budget = (await call('GET', `/budgets/${sample.id}`, admin)).body;
  console.log(`\nbudget of ${sample.id}: ${JSON.stringify(budget?.periods)}`);
  await readSide(admin, sample.id);
  if (unexpected.length > 0) {
    console.error(`\nNOT a good day: ${unexpected.length} answers a correct day does not get; the first ones:\n  ${unexpected.slice(0, 10).join('\n  ')}`);
    process.exitCode = 1;
  }
}

/** What the projector made of the day: once it has caught up, the finance views and the audit of the journal. */
async function readSide(admin: string, employeeId: string): Promise<void> {
  const finance = await token('demo-finance', ['finance'], null);
  for (let i = 0; i < 100; i++) {
    const status = (await call('GET', '/projections/status', admin)).body;
    if (status?.lag?.eventsBehind === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const period = (await call('GET', `/read/employees/${employeeId}/budget`, admin)).body?.period;
  console.log(`the projector's read model of it: period ${period?.periodKey} spent ${period?.spentMinor}, reserved ${period?.reservedMinor}, remaining ${period?.remainingMinor}`);
  const from = new Date(Date.now() - 86_400_000).toISOString();
  const to = new Date(Date.now() + 86_400_000).toISOString();
  const spend = (await call('GET', `/finance/spend?groupBy=day&by=store&from=${from}&to=${to}`, finance)).body;
  console.log(`\nfinance, spend by store and day: ${JSON.stringify(spend)}`);
  const anomalies = (await call('GET', `/finance/anomalies?from=${from}&to=${to}`, finance)).body;
  console.log(`finance, anomalies: ${JSON.stringify(anomalies).slice(0, 600)}`);
  const audit = (await call('GET', '/finance/audit/verify', finance)).body;
  console.log(`finance, journal hash chain: ${JSON.stringify(audit)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
