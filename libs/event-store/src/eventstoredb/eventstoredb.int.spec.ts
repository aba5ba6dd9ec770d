import { eventStoreContract } from '../testing/event-store-contract.js';
import { withBackend } from '../testing/infra.js';
import { createEventStoreDbEventStore } from './index.js';

// EVENTSTORE_URL is a connection string such as esdb://localhost:2113?tls=false (EventStoreDB or KurrentDB).
// Without it the suite is reported as not exercised, which fails under REQUIRE_EVENTSTORE=1.
withBackend(
  'EVENTSTORE_URL',
  'EventStoreDB contract suite',
  (connectionString) => {
    eventStoreContract('EventStoreDB', {
      open: () => createEventStoreDbEventStore({ connectionString }),
      features: {
        // Every append commits on its own; the client cannot hold an append open, so the skip-trap test
        // runs without a held transaction (EventStoreDB's single ordered log cannot expose that gap anyway).
        concurrentTransactions: true,
      },
    });
  },
  'REQUIRE_EVENTSTORE',
);
