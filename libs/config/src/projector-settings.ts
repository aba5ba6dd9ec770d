import { integer, optionalUrl } from './settings.js';

type Env = Record<string, string | undefined>;

export interface ProjectorSettings {
  /**
   * PostgreSQL holding the read models (schema `read_models`). Null in embedded mode, where they live in the
   * event store's own PGlite. Defaults to DATABASE_URL; with EventStoreDB, required by the processes that open
   * the read models (`openStorage`), and by no other: the ledger API and the relay never touch them.
   */
  readModelDatabaseUrl: string | null;
  /** The projector service's own HTTP port (query API, status). */
  httpPort: number;
  /** Events per batch transaction. */
  batchSize: number;
  /** How long the caught-up projector waits before looking at the log again. */
  idlePollMs: number;
  /**
   * How long every batch may fail in a row (a projection failing on an event, the read-model database
   * refusing writes) before the projector service reports not ready, naming the failure: its read models
   * are no longer following the log, and a client is better told than served ever staler answers.
   */
  stuckAfterMs: number;
  /** How many times `projections:rebuild` catches up with the log before its swap, and again when a live projector overtook it. */
  rebuildCatchUpRoundsMax: number;
}

export function loadProjectorSettings(env: Env, eventStore: 'embedded' | 'postgres' | 'eventstoredb', databaseUrl: string | null): ProjectorSettings {
  const explicit = optionalUrl(env, 'READ_MODEL_DATABASE_URL', ['postgres:', 'postgresql:']);
  return {
    readModelDatabaseUrl: eventStore === 'embedded' ? explicit : (explicit ?? databaseUrl),
    httpPort: integer(env, 'PROJECTOR_PORT', 3001, 0, 65535),
    batchSize: integer(env, 'PROJECTOR_BATCH_SIZE', 5_000, 1, 10_000),
    idlePollMs: integer(env, 'PROJECTOR_IDLE_POLL_MS', 100, 5, 60_000),
    stuckAfterMs: integer(env, 'PROJECTOR_STUCK_AFTER_S', 60, 1, 86_400) * 1000,
    rebuildCatchUpRoundsMax: integer(env, 'PROJECTOR_REBUILD_CATCH_UP_ROUNDS', 20, 1, 1_000),
  };
}
