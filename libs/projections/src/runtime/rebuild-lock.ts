import type { SqlDriver } from '#event-store';
import type { Query } from '../projection.js';
import { assertSchemaName, rebuildSchemaPrefix } from '../sql-names.js';

/**
 * Held by a rebuild for its whole run, from before it creates its schema until after its swap (or the drop
 * of its schema when it fails): one rebuild at a time per database. A second one refuses to start rather
 * than run beside it or queue behind it: it would end in the same read models minutes later for twice the
 * database's work, and whoever started it (an operator, a CronJob) is better told at once that one is
 * already running. Held, it also proves every `read_models_rebuild_*` schema abandoned (nobody else can be
 * building one), so leftovers are dropped under it only, never under a rebuild still running.
 */
export const rebuildLockKey = 7_301_447_102;

/** Another rebuild holds the rebuild lock of this database. */
export class RebuildRunning extends Error {
  override readonly name = 'RebuildRunning';
}

export interface RebuildLock {
  release(): Promise<void>;
}

/** Drivers with a rebuild running in this process, where every writer is (PGlite: no lock across sessions needed, nor one session's to take twice). */
const rebuildingHere = new WeakSet<SqlDriver>();

/** Takes the rebuild lock for as long as the caller needs it, or throws `RebuildRunning`. */
export async function takeRebuildLock(db: SqlDriver): Promise<RebuildLock> {
  if (!db.listen) {
    // The port leaves `listen` out exactly where every writer is in this process (PGlite).
    if (rebuildingHere.has(db)) throw new RebuildRunning('another rebuild of the read models is running in this process: not starting a second one');
    rebuildingHere.add(db);
    return { release: async () => void rebuildingHere.delete(db) };
  }
  let answer!: (taken: boolean) => void;
  const answered = new Promise<boolean>((resolve) => (answer = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  // A transaction left open on one of the pool's connections, for the port has no session of its own to
  // offer: its lock goes with the connection if this process dies, which is what frees a crashed rebuild's
  // schema for the next one to drop. Its statements take no parameters: run by the simple protocol they leave
  // no portal open, which would pin the transaction's snapshot and hold back vacuum for the whole rebuild.
  const holding = db.transaction(async (query) => {
    await query('set local idle_in_transaction_session_timeout = 0', []);
    const [row] = await query<{ taken: boolean }>(`select pg_try_advisory_xact_lock(${rebuildLockKey}) as taken`, []);
    answer(row?.taken === true);
    if (row?.taken === true) await released;
  });
  if (!(await Promise.race([answered, holding.then(() => false)]))) {
    await holding;
    throw new RebuildRunning(`another rebuild of the read models is running on this database${await holderOf(db)}: not starting a second one (run it again once that one has finished, if still needed)`);
  }
  // Losing the connection mid-rebuild loses the lock with it; the rebuild carries on (its swap fails cleanly if
  // another rebuild dropped its schema meanwhile), so only the release waits for the transaction.
  return {
    release: async () => {
      release();
      await holding.catch(() => undefined);
    },
  };
}

/** ` (since …, PostgreSQL backend …)` of the session holding the lock, or '' when it is already gone. */
async function holderOf(db: SqlDriver): Promise<string> {
  const rows = await db.query<{ pid: number; since: Date | string | null; client: string | null }>(
    `select a.pid, a.xact_start as since, a.client_addr::text as client
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.database = (select oid from pg_database where datname = current_database())
        and l.classid = $1 and l.objid = $2 and l.objsubid = 1`,
    [Math.floor(rebuildLockKey / 2 ** 32), rebuildLockKey % 2 ** 32],
  );
  const holder = rows[0];
  if (!holder) return '';
  const since = holder.since === null ? '' : `since ${new Date(holder.since).toISOString()}, `;
  return ` (${since}PostgreSQL backend ${holder.pid}${holder.client ? ` of ${holder.client}` : ''})`;
}

/** The schemas rebuilds are building, or left behind, by name. */
export async function rebuildSchemasIn(query: Query): Promise<string[]> {
  const rows = await query<{ nspname: string }>(`select nspname from pg_namespace where starts_with(nspname, $1) order by nspname`, [rebuildSchemaPrefix]);
  return rows.map((r) => r.nspname);
}

/** Drops every rebuild schema: only for a caller holding the rebuild lock, when none of them can be another rebuild's. */
export async function dropRebuildSchemas(query: Query): Promise<string[]> {
  const schemas = await rebuildSchemasIn(query);
  for (const schema of schemas) await query(`drop schema if exists ${assertSchemaName(schema)} cascade`, []);
  return schemas;
}

/**
 * Drops the rebuild schemas left behind by rebuilds that crashed (they are never read), unless a rebuild is
 * running: its schema cannot be told from theirs then, and the next rebuild drops them. In one transaction,
 * on one connection (a pool of one will do).
 */
export async function dropAbandonedRebuilds(db: SqlDriver): Promise<string[]> {
  if (rebuildingHere.has(db)) return [];
  return db.transaction(async (query) => {
    const [row] = await query<{ taken: boolean }>(`select pg_try_advisory_xact_lock(${rebuildLockKey}) as taken`, []);
    return row?.taken === true ? dropRebuildSchemas(query) : [];
  });
}
