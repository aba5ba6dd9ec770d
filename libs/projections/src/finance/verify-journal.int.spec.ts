import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import type { SqlDriver, SqlEventStore } from '#event-store';
import { GestureLedger } from '#ledger';
import { allProjections } from '../registry.js';
import { Projector } from '../runtime/projector.js';
import { openPgliteBackend, until } from '../testing/test-backends.js';
import { seedLedgerTraffic } from '../testing/seed-ledger.js';
import { FinanceViews } from './finance-views.js';

/** The journal as the projector keeps it (its checkpoint beside it), tampered with where the chain alone cannot tell. */
describe('journal verification against the projector checkpoint', () => {
  let db: SqlDriver;
  let store: SqlEventStore;
  let close: () => Promise<void>;
  let ledger: GestureLedger;
  let run = 0;

  const projectAll = async (schema: string) => {
    const projector = new Projector({ store, db, projections: allProjections, schema, idlePollMs: 5 });
    await projector.prepare();
    projector.start();
    await until(async () => (await projector.lag()).eventsBehind === 0);
    await projector.stop();
  };
  const lastTwoLines = (schema: string) =>
    db.query<{ seq: string; gesture_id: string; hash: string; position: string }>(`select seq::text, gesture_id, hash, position from ${schema}.finance_journal order by seq desc limit 2`, []);

  beforeAll(async () => {
    ({ db, store, close } = await openPgliteBackend());
    ledger = new GestureLedger(store);
    await ledger.start(samplePolicy());
    await seedLedgerTraffic(ledger, { run: 'verify', steps: 150, seed: 21 });
  }, 60_000);
  afterAll(async () => close?.());

  it('locates the last line removed with the chain head rewound over it, which a lagging journal would look like', async () => {
    const schema = `rm_verify_${++run}`;
    await projectAll(schema);
    const [last, previous] = await lastTwoLines(schema);
    if (!last || !previous) throw new Error('the seeded journal has fewer than two lines');
    await db.query(`delete from ${schema}.finance_journal where seq = $1`, [Number(last.seq)]);
    await db.query(`update ${schema}.finance_chain set head_seq = head_seq - 1, head_hash = $1, head_position = $2`, [previous.hash, previous.position]);
    const result = await new FinanceViews(db, schema).verify(store);
    expect(result).toMatchObject({ ok: false, linesVerified: Number(last.seq) - 1, problem: { kind: 'removed', seq: Number(last.seq), gestureId: last.gesture_id } });
  }, 60_000);

  it('still tells a journal whose projector is behind the log from a truncated one', async () => {
    const schema = `rm_verify_${++run}`;
    await projectAll(schema);
    await seedLedgerTraffic(ledger, { run: 'verify-later', steps: 20, seed: 22 });
    const result = await new FinanceViews(db, schema).verify(store);
    expect(result.ok).toBe(true);
    expect(result.linesNotYetProjected).toBeGreaterThan(0);
  }, 60_000);
});
