import { join } from 'node:path';
import { ConfigurationError, type Settings } from '#config';
import { createPostgresDriver } from '#event-store';
import { FileCheckpointStore, SqlCheckpointStore, type CheckpointStore } from '#messaging';

/**
 * Where the relay keeps its checkpoints: in PostgreSQL whenever DATABASE_URL is set (postgres and
 * EventStoreDB modes), else in files under DATA_DIR beside the embedded store. Never in files beside
 * EventStoreDB: files hold no lease (the embedded store's one process needs none), so every replica or
 * shard would think itself the only relay, and a container's checkpoint would go with the container.
 */
export async function openRelayCheckpoints(settings: Settings): Promise<CheckpointStore> {
  if (!settings.databaseUrl && settings.eventStore === 'eventstoredb') {
    throw new ConfigurationError('DATABASE_URL', 'required by the CRM relay when EVENT_STORE=eventstoredb: its checkpoints and their lease are kept in PostgreSQL');
  }
  if (!settings.databaseUrl) return new FileCheckpointStore(join(settings.dataDir, 'checkpoints'));
  // Checkpoint saves do not wait for a WAL flush: delivery is at-least-once, so a checkpoint forgotten
  // by a database crash only republishes events consumers already drop by id, and every save is still
  // fenced by the lease. Waiting for the flush put one more fsync beside every batch of the API's.
  return SqlCheckpointStore.open(createPostgresDriver({ connectionString: settings.databaseUrl, poolSize: 2, synchronousCommit: false }));
}
