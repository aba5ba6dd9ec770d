import { comparePositions } from '../position.js';
import { START, type EventStore, type ReadFrom } from '../port.js';

/**
 * Waits until the log's readers may see `position`, and returns the head then. An event is held back while a
 * transaction that began before it is still open (on PostgreSQL, any of the cluster's, such as another
 * suite's long write), so that a reader never skips one: a test that reads the log right after writing to
 * it waits here first, as a follower would keep reading.
 */
export async function visibleThrough(store: Pick<EventStore, 'headPosition'>, position: ReadFrom, timeoutMs = 30_000): Promise<ReadFrom> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const head = await store.headPosition();
    if (position === START || (head !== START && comparePositions(head, position) >= 0)) return head;
    if (Date.now() > deadline) throw new Error(`the appended events did not become visible within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
