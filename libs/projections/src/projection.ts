import type { RecordedEvent } from '#event-store';
import type { BulkTarget } from './runtime/bulk-append.js';

/** One statement against the read-model database, inside the projector's current transaction. */
export type Query = <R = Record<string, unknown>>(text: string, params: unknown[]) => Promise<R[]>;

/**
 * A read model kept by the projector. The projector hands each projection every batch of events (in
 * global log order) inside ONE transaction that also moves the checkpoint, so a crash anywhere neither
 * loses nor double-counts an event. A projection therefore never keeps state of its own across batches
 * that is not in its tables (an in-memory cache must be rebuilt from the tables on start).
 *
 * Tables live in a PostgreSQL schema chosen by the projector (`read_models` live, another one while
 * rebuilding, swapped in by renaming when the rebuild is complete): always qualify names with `schema`.
 */
export interface Projection {
  /** Stable identifier, used as the prefix of the projection's tables and in logs. */
  readonly name: string;
  /** Bump when tables or folding change: the projector then rebuilds the read models from zero. */
  readonly version: number;
  /** DDL creating the projection's tables in `schema`: primary keys only, so bulk loads stay fast. */
  createTables(schema: string): string;
  /** Secondary indexes, one statement each: created after a rebuild's bulk load, and right after the tables on a fresh start. */
  createIndexes(schema: string): readonly string[];
  /**
   * Folds one batch into the tables with a handful of statements per batch (unnest/jsonb arrays,
   * INSERT ... ON CONFLICT DO UPDATE), never one round trip per event. Events of types it does not
   * read are simply skipped.
   */
  apply(events: readonly RecordedEvent[], query: Query, schema: string): Promise<void>;
  /**
   * The rebuild's bulk path (optional: without it a rebuild applies batches like the live path). One
   * load per rebuild, into a schema nobody reads yet, so it may keep what it needs between batches.
   */
  bulkLoad?(schema: string, options: BulkLoadOptions): BulkLoad;
}

export interface BulkLoadOptions {
  /** Events a load folds into one staging batch before writing it (its deltas aggregate over them). */
  readonly batchEvents: number;
}

/**
 * A rebuild's bulk load: each batch folded in memory into plain appends (unlogged staging tables without
 * keys: no upsert, no index lookup), everything merged set-based once the log is consumed.
 */
export interface BulkLoad {
  /** DDL of the staging tables (unlogged, no keys), created before the first batch. */
  readonly stagingSql: string;
  /**
   * The load's tables it fills only by appends and set-based merges, never by upserts: the rebuild builds
   * their primary keys once they are filled (one sorted build instead of a random index insert per row).
   */
  readonly keyedAfterLoad: readonly string[];
  /**
   * Folds events (read in log order, a page at a time) synchronously into what the next writes carry:
   * folding pages one after another is folding them as one batch.
   */
  fold(events: readonly RecordedEvent[]): void;
  /**
   * The writes of what was folded since the last ones (appends go by COPY where the driver has it), or null
   * while the load gathers more (at most `batchEvents`; always writes at the `end` of the log). The rebuild
   * folds the next pages while these writes run, and starts the next ones only when these are done.
   */
  writes(end: boolean): ((target: BulkTarget) => Promise<void>) | null;
  /**
   * What is left once the log is loaded: merging what was staged into the projection's tables (as the live path
   * would have left them). Each merge fills its own tables from its own staging, so the rebuild runs them side by
   * side with other projections' merges and indexes, on any connection, in any order; listed heaviest first.
   */
  readonly merges: readonly BulkMerge[];
  /** Drops the staging tables once every merge is done ('' when there are none). */
  readonly dropStagingSql: string;
}

export interface BulkMerge {
  /** The tables it fills (unqualified): their keys, statistics and indexes are built once it is done. */
  readonly tables: readonly string[];
  run(query: Query): Promise<unknown>;
}
