import { EventStoreDBClient } from '@eventstore/db-client';
import type { EventStoreDbClient } from './eventstoredb-client.js';
import { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb-event-store.js';

export type { EventStoreDbClient } from './eventstoredb-client.js';
export { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb-event-store.js';

export interface EventStoreDbConnectionOptions {
  /** For example `esdb://localhost:2113?tls=false`; cluster, TLS, credentials and deadlines go in the string too. */
  connectionString: string;
}

/** A client for EventStoreDB or KurrentDB; it connects on first use. */
export function createEventStoreDbClient(options: EventStoreDbConnectionOptions): EventStoreDbClient {
  return EventStoreDBClient.connectionString(options.connectionString);
}

/** The event store on an EventStoreDB / KurrentDB server; fails here if the server or `$all` cannot be read. */
export async function createEventStoreDbEventStore(options: EventStoreDbConnectionOptions & EventStoreDbEventStoreOptions): Promise<EventStoreDbEventStore> {
  const client = createEventStoreDbClient(options);
  try {
    return await EventStoreDbEventStore.open(client, options);
  } catch (error) {
    await client.dispose();
    throw error;
  }
}
