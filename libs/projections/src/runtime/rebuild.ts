import { limits, START, type EventStore, type ReadFrom, type SqlDriver } from '#event-store';
import type { Projection, Query } from '../projection.js';
import { assertSchemaName, liveSchema as defaultLiveSchema, qualifiedTable, rebuildSchemaPrefix, retiredSchemaPrefix } from '../sql-names.js';
import { applyBatch, isAfter } from './apply-batch.js';
import { bulkLoadsOf, detachPrimaryKeys, inLanes, loadInBulk } from './bulk-load.js';
import { createSchemaSql, insertCheckpoint, readCheckpoint, schemaExists, versionsOf } from './checkpoint.js';
import { estimatedTotal } from './progress-bar.js';
import { ReadAhead } from './read-ahead.js';
import { dropRebuildSchemas, takeRebuildLock } from './rebuild-lock.js';

export { dropAbandonedRebuilds } from './rebuild-lock.js';

/** A bulk load's staging batch (events folded before their deltas are written) by default and at most. */
const bulkBatchDefault = 20_000;
const bulkBatchMax = 100_000;
/** Events per read while bulk loading: small enough to die young in V8's nursery once folded. */
const bulkPageSize = 2_500;

/** Serialises creating and swapping read-model schemas between processes. */
export const readModelsLockKey = 7_301_447_101;

export interface RebuildProgress {
  phase: 'loading' | 'indexing' | 'catching_up' | 'swapped';
  eventsDone: number;
  /** Estimated while loading from the share of the head's position reached (`estimatedTotal`); then the events done. */
  eventsTotal: number;
  eventsPerSecond: number;
  secondsLeft: number | null;
  elapsedSeconds: number;
}

export interface RebuildOptions {
  store: EventStore;
  /** PostgreSQL: a pool of two connections at least, as one holds the rebuild lock throughout (`takeRebuildLock`). */
  db: SqlDriver;
  projections: readonly Projection[];
  liveSchema?: string;
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /** Progress is reported at most this often (and at each phase change). */
  progressEveryMs?: number;
  /**
   * Load through the projections' bulk loads (staging appends, merged at the end) when all have one; false
   * applies every batch like the live path (upserts), which the tests compare the bulk path with.
   */
  bulk?: boolean;
  /**
   * Events folded into one staging batch while bulk loading (default 20,000, at most 100,000): more stage
   * fewer rows (a key touched twice in a batch is staged once) and hold more in memory until written.
   */
  bulkBatchSize?: number;
  /**
   * Catch-up rounds after indexing before giving up on reaching the head (a log growing faster than the rebuild;
   * default 20), and then again before failing when a live projector is past the rebuild at every swap.
   */
  catchUpRoundsMax?: number;
  /** Called as each step ends (the benchmark times and costs them); the rebuild waits for it. */
  onStep?: (step: RebuildStep) => void | Promise<void>;
}

/**
 * The steps of a rebuild, in order: the bulk path's are created, loaded, finished (merged, keyed, indexed and
 * analyzed, projection by projection), caught_up, swapped; the live path's created, logged, indexed, analyzed,
 * caught_up, swapped.
 */
export type RebuildStep = 'created' | 'loaded' | 'finished' | 'logged' | 'indexed' | 'analyzed' | 'caught_up' | 'swapped';

export interface RebuildResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  schema: string;
  /** Rebuild schemas that crashed rebuilds left behind, dropped before this one started. */
  abandoned: string[];
}

/**
 * Rebuilds every read model from the start of the log into a fresh schema (tables only; when every
 * projection has a bulk load, each batch's deltas are appended to staging and merged with one GROUP BY
 * per table at the end, else batches are applied like the live path; indexes created last), catches up
 * to the head, and swaps it in by renaming in one
 * transaction: queries see the old read models or the complete new ones, never half a rebuild, and never
 * new ones behind the old. A live projector keeps running through the swap: it reads the checkpoint inside
 * each batch transaction, finds the rebuilt one and continues from there. One rebuild at a time per
 * database: it holds the rebuild lock throughout (`takeRebuildLock`; refused with `RebuildRunning` while
 * another holds it), and under it first drops the schemas that crashed rebuilds left behind.
 */
export async function rebuildReadModels(options: RebuildOptions): Promise<RebuildResult> {
  const lock = await takeRebuildLock(options.db);
  try {
    const abandoned = await options.db.transaction(dropRebuildSchemas);
    return { ...(await rebuildUnderLock(options)), abandoned };
  } finally {
    await lock.release();
  }
}

async function rebuildUnderLock(options: RebuildOptions): Promise<Omit<RebuildResult, 'abandoned'>> {
  const live = assertSchemaName(options.liveSchema ?? defaultLiveSchema);
  const batchSize = Math.min(Math.max(1, options.batchSize ?? 5_000), limits.subscriptionBatchMax);
  const schema = assertSchemaName(`${rebuildSchemaPrefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`);
  const { db, projections, store } = options;
  const started = performance.now();
  const head = await store.headPosition();
  let done = 0;
  /** The position the rebuild has reached: with `head`, what estimates the total (`estimatedTotal`). */
  let reached: ReadFrom = START;
  let lastReport = 0;
  const report = (phase: RebuildProgress['phase'], force = false) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastReport < (options.progressEveryMs ?? 250))) return;
    lastReport = now;
    const elapsedSeconds = (now - started) / 1000;
    const eventsPerSecond = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
    const total = phase === 'loading' ? estimatedTotal(done, reached, head) : done;
    options.onProgress({ phase, eventsDone: done, eventsTotal: total, eventsPerSecond, secondsLeft: eventsPerSecond > 0 ? (total - done) / eventsPerSecond : null, elapsedSeconds });
  };

  const bulkBatchSize = Math.min(Math.max(1, options.bulkBatchSize ?? bulkBatchDefault), bulkBatchMax);
  const bulk = options.bulk === false ? null : bulkLoadsOf(projections, schema, { batchEvents: bulkBatchSize });
  // The live path's upserts go to unlogged tables (no WAL for millions of them nobody can see yet; a crash just
  // abandons the schema), made logged in one pass before the swap. The bulk path's tables are logged from the
  // start: their COPYs write WAL while PostgreSQL has a core to spare beside Node's folding, and the merges
  // write each final row once, where a pass making them logged would rewrite them all after the load.
  const tablesSql = createSchemaSql(schema, projections);
  const step = async (name: RebuildStep) => options.onStep?.(name);
  await db.exec(`begin;\nselect pg_advisory_xact_lock(${readModelsLockKey});\n${bulk ? tablesSql : tablesSql.replace(/create table/gi, 'create unlogged table')}\ncommit;`);
  try {
    await db.transaction((query) => insertCheckpoint(query, schema, versionsOf(projections)));
    await step('created');
    const reader = new ReadAhead(store, batchSize);
    let from: ReadFrom = START;
    const load = async (phase: RebuildProgress['phase']): Promise<number> => {
      let lastBatch = 0;
      for (;;) {
        const events = await reader.next(from);
        lastBatch = events.length;
        if (events.length === 0) return 0;
        const outcome = await applyBatch(db, schema, projections, events, from);
        if (outcome.kind !== 'applied') throw new Error(`rebuild schema ${schema} was changed by someone else`);
        from = outcome.checkpoint;
        reached = from;
        done += outcome.applied;
        report(phase);
        if (events.length < batchSize) return lastBatch;
      }
    };
    if (bulk) {
      // The keys the bulk load goes without (added back once the tables are filled: the catch-up's upserts need them).
      const keys = await Promise.all(bulk.map((l) => detachPrimaryKeys(db, schema, l.keyedAfterLoad)));
      const pageSize = Math.min(bulkBatchSize, bulkPageSize, limits.readCountMax);
      const bulkReader = new ReadAhead(store, pageSize);
      const finishing = bulk.map((_, i) => ({ keys: keys[i]!, indexes: projections[i]!.createIndexes(schema) }));
      const loaded = await loadInBulk(db, schema, bulk, bulkReader, pageSize, (applied, at) => {
        done = applied;
        reached = at;
        report('loading');
      }, async (name) => {
        if (name === 'loaded') report('indexing', true);
        await step(name);
      }, finishing).finally(() => bulkReader.discard());
      from = loaded.checkpoint;
      // The tables the loads filled as the live path does (few rows), and the checkpoint's.
      const analyzed = new Set(bulk.flatMap((load) => load.keyedAfterLoad.map((t) => qualifiedTable(schema, t))));
      await inLanes(db, (await tablesOf(db, schema)).filter((t) => !analyzed.has(t)).map((t) => `analyze ${t};`));
    } else {
      await load('loading');
      report('indexing', true);
      // Made logged (rewritten into the WAL once) so the swapped-in read models survive a crash like any other
      // table, indexed, and analyzed so the first queries get good plans: table by table (index scripts
      // projection by projection) on two connections, as this is PostgreSQL's work alone.
      const tables = await tablesOf(db, schema);
      await inLanes(db, tables.map((t) => `alter table ${t} set logged;`));
      await step('logged');
      await inLanes(db, projections.flatMap((p) => p.createIndexes(schema)));
      await step('indexed');
      await inLanes(db, tables.map((t) => `analyze ${t};`));
      await step('analyzed');
    }
    const rounds = options.catchUpRoundsMax ?? 20;
    for (let round = 0; round < rounds; round++) {
      if ((await load('catching_up')) === 0) break;
    }
    await reader.discard();
    await step('caught_up');
    // A live projector may have moved past the catch-up meanwhile: swapping then would take the read models
    // back in time, so the rebuild catches up again first. Live read models past the log's head are of
    // another log (a restored event store): only the swap mends those. On a log growing faster than the
    // rebuild catches up, the live projector is ahead at every swap: after as many catch-ups as before the
    // swap (`rounds`, counted afresh, as those may all have gone into reaching the head), the rebuild fails
    // rather than retry unseen for ever; the catch below drops its schema, and the live read models serve on.
    let ahead = await swapIn(db, schema, live, from, false);
    for (let retries = 0; ahead !== null; retries++) {
      const beyondLog = isAfter(ahead, await store.headPosition());
      if (!beyondLog && retries >= rounds) throw new RebuildOvertaken(live, retries + 1);
      if (!beyondLog) await load('catching_up');
      ahead = await swapIn(db, schema, live, from, beyondLog);
    }
    await step('swapped');
    report('swapped', true);
    const seconds = (performance.now() - started) / 1000;
    return { events: done, seconds, eventsPerSecond: seconds > 0 ? done / seconds : 0, schema: live };
  } catch (error) {
    await db.exec(`drop schema if exists ${schema} cascade;`).catch(() => undefined);
    throw error;
  }
}

/** The live read models stayed ahead of the rebuild through every catch-up it was allowed (`catchUpRoundsMax`). */
export class RebuildOvertaken extends Error {
  override readonly name = 'RebuildOvertaken';

  constructor(live: string, swapsTried: number) {
    super(
      `the live read models in ${live} were ahead of the rebuild at each of its ${swapsTried} attempts to swap in (a live projector following ` +
        'a log that grows faster than the rebuild catches up): rebuild abandoned, its schema dropped, the live read models left as they are. ' +
        'Run it again when fewer events are written, or with the live projectors stopped (they carry on from the rebuilt read models)',
    );
  }
}

/**
 * Renames the live schema away, the rebuilt one into its place, and drops the old one, in one
 * transaction. The live checkpoint table is locked first so that a live projector's batch waits for the
 * swap instead of deadlocking with the drop; when it resumes, its statements resolve to the new tables.
 * Returns null once swapped; else, changing nothing, the live checkpoint that is past `rebuiltAt` (unless `force`).
 */
async function swapIn(db: SqlDriver, rebuilt: string, live: string, rebuiltAt: ReadFrom, force: boolean): Promise<ReadFrom | null> {
  const retired = assertSchemaName(`${retiredSchemaPrefix}${Date.now().toString(36)}`);
  return db.transaction(async (query: Query) => {
    await query(`select pg_advisory_xact_lock(${readModelsLockKey})`, []);
    if (await schemaExists(query, live)) {
      if (await tableExists(query, live, 'projector_checkpoint')) {
        await query(`lock table ${live}.projector_checkpoint in access exclusive mode`, []);
        const liveAt = (await readCheckpoint(query, live, false))?.position ?? START;
        if (!force && isAfter(liveAt, rebuiltAt)) return liveAt;
      }
      await query(`alter schema ${live} rename to ${retired}`, []);
    }
    await query(`alter schema ${rebuilt} rename to ${live}`, []);
    await query(`drop schema if exists ${retired} cascade`, []);
    return null;
  });
}

async function tableExists(query: Query, schema: string, table: string): Promise<boolean> {
  const rows = await query<{ n: number }>(`select count(*)::int as n from pg_tables where schemaname = $1 and tablename = $2`, [schema, table]);
  return (rows[0]?.n ?? 0) > 0;
}

async function tablesOf(db: SqlDriver, schema: string): Promise<string[]> {
  const rows = await db.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = $1 order by tablename`, [schema]);
  return rows.map((r) => qualifiedTable(schema, r.tablename));
}

