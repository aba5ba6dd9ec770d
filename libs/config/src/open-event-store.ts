import { join } from 'node:path';
import { createEmbeddedEventStore, createPostgresEventStore, type EventStore } from '#event-store';
import type { Settings } from './settings.js';

/** The one switch that picks the event store adapter. */
export async function openEventStore(settings: Settings): Promise<EventStore> {
  switch (settings.eventStore) {
    case 'embedded':
      return createEmbeddedEventStore({ dataDir: join(settings.dataDir, 'event-store'), sharedBuffersMb: settings.embeddedSharedBuffersMb });
    case 'postgres':
      return createPostgresEventStore({ connectionString: settings.databaseUrl! });
    case 'eventstoredb': {
      // Loaded only when chosen: the gRPC client is heavy and the embedded default never needs it.
      const { createEventStoreDbEventStore } = await import('#event-store-esdb');
      return createEventStoreDbEventStore({ connectionString: settings.eventStoreUrl! });
    }
  }
}
