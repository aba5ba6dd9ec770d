import { eventStoreContract } from '../testing/event-store-contract.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';
import { FakeEventStoreDb } from './fake-eventstoredb-client.js';

// The adapter's own logic through the whole contract, over the in-memory stand-in for the server
// (see fake-eventstoredb-client.ts for the server behaviour it assumes). The real server: eventstoredb.int.spec.ts.
eventStoreContract('EventStoreDB adapter over an in-memory stand-in for the server', {
  open: () => EventStoreDbEventStore.open(new FakeEventStoreDb().asClient()),
  features: { concurrentTransactions: true },
});
