import { limits, START, type EventStore, type ReadFrom, type SqlDriver } from '#event-store';
import type { Projection } from '../projection.js';
import { liveSchema } from '../sql-names.js';
import { applyBatch } from './apply-batch.js';
import { createIndexesSql, createSchemaSql, insertCheckpointSql, readCheckpoint, sameVersions, schemaExists, versionsOf } from './checkpoint.js';
import { measureLag, type ProjectionLag } from './lag.js';
import { ReadAhead } from './read-ahead.js';
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
  /** A failed batch is retried after this long (the database may be restarting). */
  retryDelayMs?: number;
  clock?: () => Date;
  onRebuildProgress?: (progress: RebuildProgress) => void;
  onError?: (error: unknown) => void;
}

export interface ProjectorStats {
  batches: number;
  eventsApplied: number;
  resyncs: number;
  errors: number;
  running: boolean;
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
  private readonly clock: () => Date;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private readonly counters = { batches: 0, eventsApplied: 0, resyncs: 0, errors: 0 };

  constructor(private readonly options: ProjectorOptions) {
    this.schema = options.schema ?? liveSchema;
    this.batchSize = Math.min(Math.max(1, options.batchSize ?? 5_000), limits.subscriptionBatchMax);
    this.idlePollMs = options.idlePollMs ?? 100;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Creates the read models on first use, or rebuilds them (into a fresh schema, swapped in when complete)
   * when a projection's version differs from the one they were built with.
   */
  async prepare(): Promise<'created' | 'rebuilt' | 'current'> {
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
    return { ...this.counters, running: this.loop !== null && !this.stopping };
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
        this.counters.batches++;
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
        this.options.onError?.(error);
        await reader.discard();
        from = null;
        await this.pause(this.retryDelayMs);
      }
    }
    await reader.discard();
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
