import { mkdirSync, openSync, closeSync, fsyncSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { parsePosition, positionToString, START, type ReadFrom, type SqlDriver } from '#event-store';

/**
 * Where a log follower keeps its place, and the lease that makes it the one active follower of that
 * checkpoint. `save` resolves only once the position is durable, and throws `LeaseLostError` when
 * another instance holds the lease, so a follower that lost it can never move the checkpoint.
 */
export interface CheckpointStore {
  /** Takes the lease of `name`, or renews it; false while another live instance holds it. */
  claim(name: string): Promise<boolean>;
  /**
   * Extends the lease this instance holds, only while it has not run out: false once it did (or another
   * took it). Its holder then stops and claims again from the start, fencing and looking for other layouts
   * anew, since another follower may have acted while nobody held it (`claim` would just take it back).
   */
  renew(name: string): Promise<boolean>;
  /** Gives the lease up (on shutdown), so a standby takes over without waiting for it to expire. */
  release(name: string): Promise<void>;
  load(name: string): Promise<ReadFrom>;
  save(name: string, position: ReadFrom): Promise<void>;
  /** `name`'s checkpoint and its shards' (`<name>.shard-<index>-of-<count>`), in no particular order. */
  family(name: string): Promise<NamedCheckpoint[]>;
  /** The family's checkpoints whose lease another live instance holds (a follower running now). */
  leasedInFamily(name: string): Promise<string[]>;
  /**
   * Deletes the family's checkpoints, so its followers start again from the start of the log: all of them,
   * since a follower resumes past its own when another layout of the family got further (`resumePoint`).
   * Refuses, deleting nothing, while any of them is leased (a follower still running): it would save over it.
   */
  forgetFamily(name: string): Promise<{ forgotten: string[] } | { leased: string[] }>;
  close(): Promise<void>;
}

export interface NamedCheckpoint {
  name: string;
  position: ReadFrom;
}

export class LeaseLostError extends Error {
  constructor(readonly checkpoint: string) {
    super(`the lease of checkpoint ${checkpoint} is held by another instance`);
    this.name = 'LeaseLostError';
  }
}

const table = 'gl_checkpoints';
/** Serialises creating the checkpoint table between processes (beside the event store's `SCHEMA_LOCK_KEY`). */
const checkpointsSchemaLockKey = 7_301_447_003;
/**
 * The rows of `$1`'s family: itself and its shards, `<$1>.shard-<index>-of-<count>`. Not `<$1>.<anything>`: a
 * relay named `crm.eu` is another relay, which resetting `crm` must neither delete nor wait for.
 */
const inFamily = `(name = $1 OR (starts_with(name, $1 || '.shard-') AND substr(name, length($1) + 1) ~ '^[.]shard-[0-9]+-of-[0-9]+$'))`;
/** `.shard-<index>-of-<count>` after a follower's name: its shard's checkpoint (`shardCheckpointName`). */
export const shardCheckpointSuffix = /^\.shard-(\d+)-of-(\d+)$/;

/** The checkpoint of shard `index` of `count` of the follower `name`. */
export function shardCheckpointName(name: string, index: number, count: number): string {
  return `${name}.shard-${index}-of-${count}`;
}

/** `candidate` is `name` or one of its shards' checkpoints (as `inFamily` reads it). */
export function isInFamily(candidate: string, name: string): boolean {
  return candidate === name || (candidate.startsWith(`${name}.shard-`) && shardCheckpointSuffix.test(candidate.slice(name.length)));
}

/**
 * Checkpoints in a PostgreSQL table (the same database as the event store or the read models), each
 * with a lease: the owner's id and when its claim runs out. A second instance of a follower is a
 * standby until the owner releases the lease or stops renewing it; every `save` is fenced by the owner.
 */
export class SqlCheckpointStore implements CheckpointStore {
  /** This instance, as lease owner. */
  readonly owner = randomUUID();

  private constructor(
    private readonly driver: SqlDriver,
    private readonly leaseMs: number,
  ) {}

  /** `leaseMs`: how long a claim lasts unrenewed (a follower renews it at least every third of it). */
  static async open(driver: SqlDriver, options: { leaseMs?: number } = {}): Promise<SqlCheckpointStore> {
    // Under a lock: followers started together on a fresh database would otherwise race to create the table
    // (PostgreSQL's IF NOT EXISTS is not safe against a concurrent CREATE). The lease columns, added to
    // tables of earlier releases, are altered in only when missing: ALTER TABLE takes an exclusive lock,
    // which every claim and save of the running followers would queue behind at each start.
    await driver.exec(`
      BEGIN;
      SELECT pg_advisory_xact_lock(${checkpointsSchemaLockKey});
      CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, position text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), owner text, lease_expires_at timestamptz);
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${table}'::regclass AND attname = 'lease_expires_at' AND NOT attisdropped) THEN
          ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS owner text, ADD COLUMN IF NOT EXISTS lease_expires_at timestamptz;
        END IF;
      END $$;
      COMMIT;`);
    return new SqlCheckpointStore(driver, options.leaseMs ?? 15_000);
  }

  get leaseDurationMs(): number {
    return this.leaseMs;
  }

  async claim(name: string): Promise<boolean> {
    const rows = await this.driver.query<{ owner: string }>(
      `INSERT INTO ${table} AS c (name, position, owner, lease_expires_at) VALUES ($1, '${START}', $2, now() + make_interval(secs => $3 / 1000.0))
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_expires_at = excluded.lease_expires_at
       WHERE c.owner IS NULL OR c.owner = excluded.owner OR c.lease_expires_at < now()
       RETURNING owner`,
      [name, this.owner, this.leaseMs],
    );
    return rows.length === 1;
  }

  async renew(name: string): Promise<boolean> {
    const rows = await this.driver.query<{ name: string }>(
      `UPDATE ${table} SET lease_expires_at = now() + make_interval(secs => $3 / 1000.0) WHERE name = $1 AND owner = $2 AND lease_expires_at > now() RETURNING name`,
      [name, this.owner, this.leaseMs],
    );
    return rows.length === 1;
  }

  async release(name: string): Promise<void> {
    await this.driver.query(`UPDATE ${table} SET owner = NULL, lease_expires_at = NULL WHERE name = $1 AND owner = $2`, [name, this.owner]);
  }

  async load(name: string): Promise<ReadFrom> {
    const [row] = await this.driver.query<{ position: string }>(`SELECT position FROM ${table} WHERE name = $1`, [name]);
    return !row || row.position === START ? START : parsePosition(row.position);
  }

  async family(name: string): Promise<NamedCheckpoint[]> {
    const rows = await this.driver.query<{ name: string; position: string }>(`SELECT name, position FROM ${table} WHERE ${inFamily}`, [name]);
    return rows.map((row) => ({ name: row.name, position: row.position === START ? START : parsePosition(row.position) }));
  }

  async leasedInFamily(name: string): Promise<string[]> {
    const rows = await this.driver.query<{ name: string }>(
      `SELECT name FROM ${table} WHERE ${inFamily} AND owner IS NOT NULL AND owner <> $2 AND lease_expires_at > now() ORDER BY name`,
      [name, this.owner],
    );
    return rows.map((row) => row.name);
  }

  async forgetFamily(name: string): Promise<{ forgotten: string[] } | { leased: string[] }> {
    // One statement: a follower claiming meanwhile either is seen as leased, or claims after and starts afresh.
    const [row] = await this.driver.query<{ leased: string[] | null; forgotten: string[] | null }>(
      `WITH leased AS (SELECT name FROM ${table} WHERE ${inFamily} AND owner IS NOT NULL AND lease_expires_at > now() FOR UPDATE),
            forgotten AS (DELETE FROM ${table} WHERE ${inFamily} AND NOT EXISTS (SELECT 1 FROM leased) RETURNING name)
       SELECT (SELECT array_agg(name ORDER BY name) FROM leased) AS leased, (SELECT array_agg(name ORDER BY name) FROM forgotten) AS forgotten`,
      [name],
    );
    return row?.leased?.length ? { leased: row.leased } : { forgotten: row?.forgotten ?? [] };
  }

  /** Moves the checkpoint and renews the lease, only while this instance holds it and it has not run out (`renew`). */
  async save(name: string, position: ReadFrom): Promise<void> {
    const text = position === START ? START : positionToString(position);
    const rows = await this.driver.query<{ name: string }>(
      `UPDATE ${table} SET position = $2, updated_at = now(), lease_expires_at = now() + make_interval(secs => $4 / 1000.0) WHERE name = $1 AND owner = $3 AND lease_expires_at > now() RETURNING name`,
      [name, text, this.owner, this.leaseMs],
    );
    if (rows.length !== 1) throw new LeaseLostError(name);
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}

/**
 * Checkpoints as small files, for the embedded store: PGlite allows one instance per data directory,
 * and that one belongs to the event store. Written to a temporary file, fsynced, renamed over the old
 * one and the directory fsynced, so a crash leaves either the old or the new position, never a torn one.
 */
export class FileCheckpointStore implements CheckpointStore {
  constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  async load(name: string): Promise<ReadFrom> {
    let text: string;
    try {
      text = readFileSync(this.file(name), 'utf8').trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return START;
      throw error;
    }
    return text === START ? START : parsePosition(text);
  }

  async family(name: string): Promise<NamedCheckpoint[]> {
    this.file(name);
    const suffix = '.checkpoint';
    const names = readdirSync(this.directory).filter((f) => f.endsWith(suffix)).map((f) => f.slice(0, -suffix.length)).filter((n) => isInFamily(n, name));
    return Promise.all(names.map(async (n) => ({ name: n, position: await this.load(n) })));
  }

  async save(name: string, position: ReadFrom): Promise<void> {
    const file = this.file(name);
    const temporary = `${file}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, position === START ? START : positionToString(position));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
    const dir = openSync(dirname(file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  /** One process owns an embedded data directory: no other instance can hold a lease. */
  async leasedInFamily(): Promise<string[]> {
    return [];
  }

  /** The follower of an embedded data directory runs in the process that owns it, which must be stopped first. */
  async forgetFamily(name: string): Promise<{ forgotten: string[] }> {
    const family = await this.family(name);
    for (const { name: n } of family) rmSync(this.file(n), { force: true });
    return { forgotten: family.map((c) => c.name).sort() };
  }

  /** One process owns an embedded data directory, so it is always the one follower. */
  async claim(): Promise<boolean> {
    return true;
  }

  async renew(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}

  async close(): Promise<void> {}

  private file(name: string): string {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) throw new Error(`checkpoint name must be 1-100 of [A-Za-z0-9._-], got ${JSON.stringify(name)}`);
    return `${this.directory}/${name}.checkpoint`;
  }
}
