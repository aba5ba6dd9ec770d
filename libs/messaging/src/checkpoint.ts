import { mkdirSync, openSync, closeSync, fsyncSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { parsePosition, positionToString, START, type ReadFrom, type SqlDriver } from '#event-store';

/** Where a log follower keeps its place. `save` resolves only once the position is durable. */
export interface CheckpointStore {
  load(name: string): Promise<ReadFrom>;
  save(name: string, position: ReadFrom): Promise<void>;
  close(): Promise<void>;
}

const table = 'gl_checkpoints';

/** Checkpoints in a PostgreSQL table (the same database as the event store or the read models). */
export class SqlCheckpointStore implements CheckpointStore {
  private constructor(private readonly driver: SqlDriver) {}

  static async open(driver: SqlDriver): Promise<SqlCheckpointStore> {
    await driver.exec(`CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, position text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
    return new SqlCheckpointStore(driver);
  }

  async load(name: string): Promise<ReadFrom> {
    const [row] = await this.driver.query<{ position: string }>(`SELECT position FROM ${table} WHERE name = $1`, [name]);
    return !row || row.position === START ? START : parsePosition(row.position);
  }

  async save(name: string, position: ReadFrom): Promise<void> {
    const text = position === START ? START : positionToString(position);
    await this.driver.query(`INSERT INTO ${table} (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()`, [name, text]);
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

  async close(): Promise<void> {}

  private file(name: string): string {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) throw new Error(`checkpoint name must be 1-100 of [A-Za-z0-9._-], got ${JSON.stringify(name)}`);
    return `${this.directory}/${name}.checkpoint`;
  }
}
