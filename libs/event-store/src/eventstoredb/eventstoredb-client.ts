import type { EventStoreDBClient } from '@eventstore/db-client';

/**
 * The subset of `@eventstore/db-client` (6.x; KurrentDB speaks the same gRPC protocol) the adapter
 * calls. Stream and `$all` reads and subscriptions are Node readable streams: reading them by hand or
 * with `for await` is what applies backpressure to the server.
 */
export type EventStoreDbClient = Pick<
  EventStoreDBClient,
  'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'setStreamMetadata' | 'getStreamMetadata' | 'dispose'
>;
