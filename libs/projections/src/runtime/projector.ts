import { backoffDelayMs, limits, START, type EventStore, type ReadFrom, type SqlDriver } from '#event-store';
import type { Projection } from '../projection.js';
import { liveSchema } from '../sql-names.js';
import { applyBatch } from './apply-batch.js';
import { createIndexesSql, createSchemaSql, insertCheckpointSql, readCheckpoint, sameVersions, schemaExists, versionsOf } from './checkpoint.js';
import { measureLag, type ProjectionLag } from './lag.js';
import { ReadAhead } from './read-ahead.js';
import { RebuildRunning } from './rebuild-lock.js';
import { readModelsLockKey, rebuildReadModels, type RebuildProgress } from './rebuild.js';

export interface ProjectorOptions {
  store: EventStore;
  /** The read-model database (PostgreSQL, or the embedded PGlite the event store also uses). */
  db: SqlDriver;
  projections: readonly Projection[];
  schema?: string;
  /** Events per batch transaction; at most the store's subscription batch limit. */
  batchSize?: number;
  /** How long to wait before looking at the log again once caught up. */
  idlePollMs?: number;
  /**
   * A failed batch is retried after this long at first (the database may be restarting), then after waits
   * doubling with each failure in a row, up to `retryDelayMaxMs` (30 s), jittered.
   */
  retryDelayMs?: number;
  retryDelayMaxMs?: number;
  clock?: () => Date;
  onRebuildProgress?: (progress: RebuildProgress) => void;
  /** `prepare()` found another rebuild running (`reason`), and waits for it before looking again. */
  onRebuildWait?: (reason: string) => void;
  onError?: (error: unknown) => void;
  /** The projector stopped for good (`reason`): the read models were rebuilt for other projection versions. */
  onHalt?: (reason: string) => void;
}

export interface ProjectorStats {
  batches: number;
  eventsApplied: number;
  resyncs: number;
  errors: number;
  running: boolean;
  /** Why the projector stopped applying for good, or null (see `ProjectorOptions.onHalt`). */
  halted: string | null;
  /**
   * While batches keep failing: the latest failure, and since when (ISO) they have failed without a batch
   * applied in between. Null once one applies. The read models serve what they had meanwhile, ever staler.
   */
  failing: { since: string; failuresInARow: number; lastError: string } | null;
}

/**
 * Follows the global log from the stored checkpoint and keeps the read models: each batch updates every
 * projection and the checkpoint in one transaction. `stop()` finishes the batch in hand and returns once
 * its transaction has committed.
 */
export class Projector {
  private readonly schema: string;
  private readonly batchSize: number;
  private readonly idlePollMs: number;
  private readonly retryDelayMs: number;
  private readonly retryDelayMaxMs: number;
  private readonly clock: () => Date;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private halted: string | null = null;
  private failing: ProjectorStats['failing'] = null;
  private readonly counters = { batches: 0, eventsApplied: 0, resyncs: 0, errors: 0 };

  constructor(private readonly options: ProjectorOptions) {
    this.schema = options.schema ?? liveSchema;
    this.batchSize = Math.min(Math.max(1, options.batchSize ?? 5_000), limits.subscriptionBatchMax);
    this.idlePollMs = options.idlePollMs ?? 100;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.retryDelayMaxMs = options.retryDelayMaxMs ?? 30_000;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Creates the read models on first use, or rebuilds them (into a fresh schema, swapped in when complete)
   * when a projection's version differs from the one they were built with. While another rebuild runs, waits
   * for it and looks again: it may well have been for these versions.
   */
  async prepare(): Promise<'created' | 'rebuilt' | 'current'> {
    for (let waited = false; ; waited = true) {
      try {
        return await this.prepareOnce();
      } catch (error) {
        if (!(error instanceof RebuildRunning)) throw error;
        if (!waited) this.options.onRebuildWait?.(error.message);
      }
      await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
    }
  }

  private async prepareOnce(): Promise<'created' | 'rebuilt' | 'current'> {
    const { db, projections } = this.options;
    const versions = versionsOf(projections);
    const exists = await db.transaction(async (query) => {
      if (!(await schemaExists(query, this.schema))) return false;
      const stored = await readCheckpoint(query, this.schema, false);
      return stored !== null && sameVersions(stored.versions, versions) ? 'current' : 'stale';
    });
    if (exists === 'current') return 'current';
    if (exists === false) {
      // One transaction: a crash can never leave tables without their checkpoint row.
      await db.exec(
        `begin;\nselect pg_advisory_xact_lock(${readModelsLockKey});\n${createSchemaSql(this.schema, projections)}\n${createIndexesSql(this.schema, projections)}\n` +
          `${insertCheckpointSql(this.schema, versions)}\ncommit;`,
      );
      return 'created';
    }
    await rebuildReadModels({ ...this.options, liveSchema: this.schema, batchSize: this.batchSize, onProgress: this.options.onRebuildProgress });
    return 'rebuilt';
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Finishes the batch in hand (its transaction commits) and stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  /** Events and seconds the read models are behind the head of the log. */
  lag(): Promise<ProjectionLag> {
    return measureLag(this.options.store, this.options.db, this.schema, this.clock());
  }

  get stats(): ProjectorStats {
    return { ...this.counters, running: this.loop !== null && !this.stopping && this.halted === null, halted: this.halted, failing: this.failing };
  }

  /**
   * Why the read models are not following the log, or null: halted for good, or every batch failing for `forMs`
   * or longer (a projection failing on one event fails on it at every retry, and nothing after it is applied).
   */
  stuck(forMs: number): string | null {
    if (this.halted !== null) return this.halted;
    const failing = this.failing;
    if (failing === null) return null;
    const failedForMs = this.clock().getTime() - Date.parse(failing.since);
    if (failedForMs < forMs) return null;
    return `every batch has failed for ${Math.round(failedForMs / 1000)} s (${failing.failuresInARow} in a row), the read models are not following the log: ${failing.lastError}`;
  }

  private async run(): Promise<void> {
    const reader = new ReadAhead(this.options.store, this.batchSize);
    let from: ReadFrom | null = null;
    while (!this.stopping) {
      try {
        from ??= (await this.options.db.transaction((query) => readCheckpoint(query, this.schema, false)))?.position ?? START;
        const events = await reader.next(from);
        if (events.length === 0) {
          await this.pause(this.idlePollMs);
          continue;
        }
        const outcome = await applyBatch(this.options.db, this.schema, this.options.projections, events, from);
        if (outcome.kind === 'outdated') {
          this.halt(outcome.versions);
          break;
        }
        this.counters.batches++;
        this.failing = null;
        if (outcome.kind === 'resync') {
          this.counters.resyncs++;
          await reader.discard();
        } else {
          this.counters.eventsApplied += outcome.applied;
        }
        from = outcome.checkpoint;
        if (events.length < this.batchSize) await this.pause(this.idlePollMs);
      } catch (error) {
        this.counters.errors++;
        const lastError = error instanceof Error ? error.message : String(error);
        this.failing = { since: this.failing?.since ?? this.clock().toISOString(), failuresInARow: (this.failing?.failuresInARow ?? 0) + 1, lastError };
        this.options.onError?.(error);
        await reader.discard();
        from = null;
        await this.pause(backoffDelayMs(this.failing.failuresInARow - 1, { initialMs: this.retryDelayMs, maxMs: Math.max(this.retryDelayMs, this.retryDelayMaxMs) }));
      }
    }
    await reader.discard();
  }

  /**
   * Stops for good: these projections' logic no longer matches the read models' (a rolling upgrade's rebuild
   * swapped in under this older process, or an older one's under this), and no retry can change that.
   */
  private halt(stored: Record<string, number>): void {
    const own = versionsOf(this.options.projections);
    const differing = [...new Set([...Object.keys(stored), ...Object.keys(own)])]
      .sort()
      .filter((name) => stored[name] !== own[name])
      .map((name) => `${name} ${stored[name] ?? 'none'}, this process's ${own[name] ?? 'none'}`);
    this.halted = `the read models were rebuilt for other projection versions (${differing.join('; ')}): this process applies no more batches`;
    this.options.onHalt?.(this.halted);
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
