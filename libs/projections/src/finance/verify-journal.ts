import { parsePosition, START, type EventStore, type Position, type ReadFrom } from '#event-store';
import type { Query } from '../projection.js';
import { isAfter } from '../runtime/apply-batch.js';
import { readCheckpoint } from '../runtime/checkpoint.js';
import { financeTables } from './finance-tables.js';
import { chainLines, emptyChain, type ChainHead, type HashedLine } from './hash-chain.js';
import { journalFactsOf, journalFields, type JournalFacts } from './journal-line.js';

export type JournalProblemKind = 'altered' | 'removed' | 'reordered' | 'inserted';

export interface JournalProblem {
  kind: JournalProblemKind;
  /** The journal sequence number where the stored journal first departs from the log. */
  seq: number;
  gestureId: string;
  eventId: string;
  /** For `altered`: the fields whose stored value differs from the recomputed one (`hash` included). */
  fields: string[];
  detail: string;
}

export interface JournalVerification {
  ok: boolean;
  /** Lines found equal to their recomputation, before the first problem. */
  linesVerified: number;
  problem: JournalProblem | null;
  /** The stored chain head (seq, hash, log position) as read when the walk began. */
  head: { seq: number; hash: string; position: string | null };
  /** Journal lines the log already holds beyond the stored journal's end (projection lag). */
  linesNotYetProjected: number;
}

export interface VerifyJournalOptions {
  store: EventStore;
  /** A reader of the read-model database (outside any transaction is fine: the walk tolerates a moving head). */
  query: Query;
  schema: string;
  /** Events and stored lines read per round trip (5,000): memory stays at a few pages whatever the journal's size. */
  pageSize?: number;
  /** How far ahead each side's event is looked for in the other before calling a line removed, inserted or altered rather than reordered. */
  reorderWindowLines?: number;
}

const pageSizeDefault = 5_000;
const reorderWindowDefault = 64;

/**
 * Recomputes the journal from the event store (the projection's own pure line builder and hash) and
 * walks it beside the stored journal, both sides streamed in pages, so memory is flat for millions of
 * lines. Names the first line that was altered, removed, reordered or inserted.
 */
export async function verifyJournal(options: VerifyJournalOptions): Promise<JournalVerification> {
  const t = financeTables(options.schema);
  const pageSize = options.pageSize ?? pageSizeDefault;
  const window = options.reorderWindowLines ?? reorderWindowDefault;
  const [headRow] = await options.query<{ head_seq: string; head_hash: string; head_position: string }>(
    `select head_seq::text, head_hash, head_position from ${t.chain} where id = 1`,
    [],
  );
  const head = { seq: headRow ? Number(headRow.head_seq) : 0, hash: headRow?.head_hash ?? emptyChain.hash, position: headRow?.head_position ?? null };
  // Read before any stored line: the journal holds every line up to it then, and keeps them.
  const applied = await appliedUpTo(options.query, options.schema);

  // Neither side is cut at the head: a projector appending while we walk adds lines the log already
  // holds, so they compare equal. The head read first only tells a lagging journal from a truncated one.
  const recomputed = new Lookahead(recomputedLines(options.store, pageSize));
  const stored = new Lookahead(storedLines(options.query, t.journal, pageSize));
  const result = (linesVerified: number, problem: JournalProblem | null, linesNotYetProjected = 0): JournalVerification => ({ ok: problem === null, linesVerified, problem, head, linesNotYetProjected });

  let verified = 0;
  for (;;) {
    const expected = await recomputed.peek(0);
    const actual = await stored.peek(0);
    if (!expected && !actual) break;
    if (expected && !actual) {
      if (expected.line.seq <= head.seq) return result(verified, problemAt('removed', expected, [], `the journal ends before this line, below its chain head ${head.seq}`));
      // The chain head can be rewound with the lines it drops; the projector's checkpoint says they were written.
      if (!isAfter(parsePosition(expected.line.position), applied)) return result(verified, problemAt('removed', expected, [], `the journal ends before this line, whose event the projector applied`));
      break;
    }
    if (!expected) return result(verified, storedProblem('inserted', actual!, 'no event in the log accounts for this line'));
    if (actual!.seq > expected.line.seq) return result(verified, problemAt('removed', expected, [], `the next stored line is ${actual!.seq}`));
    if (actual!.seq < expected.line.seq) return result(verified, storedProblem('inserted', actual!, 'a second line with this sequence number'));
    if (actual!.eventId !== expected.line.eventId) return result(verified, await eventMismatch(expected, actual!, recomputed, stored, window));
    const fields = differingFields(expected, actual!);
    if (fields.length > 0) return result(verified, problemAt('altered', expected, fields, `stored ${fields.join(', ')} differ from the recomputed line`));
    if (expected.line.seq === head.seq && expected.hash !== head.hash) {
      return result(verified, problemAt('altered', expected, ['chainHead'], 'the chain head hash is not the hash of its line'));
    }
    verified++;
    await recomputed.next();
    await stored.next();
  }
  let notYetProjected = 0;
  while (await recomputed.next()) notYetProjected++;
  return result(verified, null, notYetProjected);
}

/** The last event the projector applied to `schema` (the start of the log where no projector keeps it). */
async function appliedUpTo(query: Query, schema: string): Promise<ReadFrom> {
  const [table] = await query<{ name: string | null }>(`select to_regclass($1)::text as name`, [`${schema}.projector_checkpoint`]);
  if (!table?.name) return START;
  return (await readCheckpoint(query, schema, false))?.position ?? START;
}

/**
 * The line stored here is another event's: each side is looked ahead in for the other's event. A line deleted
 * and the later ones renumbered down leaves the expected event nowhere in the journal; a line slipped in and
 * the later ones renumbered up is an event the log does not have, with the expected one just after it; a
 * swap leaves both events present; neither present is a rewritten event id.
 */
async function eventMismatch(expected: HashedLine, actual: StoredLine, recomputed: Lookahead<HashedLine>, stored: Lookahead<StoredLine>, window: number): Promise<JournalProblem> {
  const belongs = await recomputed.findWithin(window, (line) => line.line.eventId === actual.eventId);
  const storedLater = await stored.findWithin(window, (line) => line.eventId === expected.line.eventId);
  if (belongs && storedLater) return problemAt('reordered', expected, ['seq'], `the line stored here belongs at ${belongs.line.seq}`);
  if (belongs) return problemAt('removed', expected, [], `the journal goes on with the line of ${belongs.line.seq}, renumbered to ${actual.seq}`);
  if (storedLater) return storedProblem('inserted', actual, `no event in the log accounts for this line; the line expected here is stored at ${storedLater.seq}`);
  return problemAt('altered', expected, ['eventId'], `stored event ${actual.eventId} is not the event this line recomputes from`);
}

function problemAt(kind: JournalProblemKind, expected: HashedLine, fields: string[], detail: string): JournalProblem {
  return { kind, seq: expected.line.seq, gestureId: expected.line.gestureId, eventId: expected.line.eventId, fields, detail };
}

function storedProblem(kind: JournalProblemKind, actual: StoredLine, detail: string): JournalProblem {
  return { kind, seq: actual.seq, gestureId: actual.gestureId, eventId: actual.eventId, fields: [], detail };
}

/** Stored row values as text, compared with the recomputed line's values as text. */
interface StoredLine {
  seq: number;
  eventId: string;
  gestureId: string;
  hash: string;
  values: Record<(typeof journalFields)[number], string | null>;
}

function differingFields(expected: HashedLine, actual: StoredLine): string[] {
  const differ: string[] = journalFields.filter((field) => {
    const value = expected.line[field];
    return (value === null ? null : String(value)) !== actual.values[field];
  });
  if (expected.hash !== actual.hash) differ.push('hash');
  return differ;
}

async function* recomputedLines(store: EventStore, pageSize: number): AsyncGenerator<HashedLine> {
  let head: ChainHead = emptyChain;
  let from: ReadFrom = START;
  for (;;) {
    const events = await store.readAll({ from, limit: pageSize });
    if (events.length === 0) return;
    from = events[events.length - 1]!.position as Position;
    const facts = events.map(journalFactsOf).filter((f): f is JournalFacts => f !== null);
    const chained = chainLines(head, facts);
    head = chained.head;
    yield* chained.lines;
  }
}

const columns: Record<(typeof journalFields)[number], string> = {
  seq: 'seq::text',
  eventId: 'event_id',
  position: 'position',
  kind: 'kind',
  gestureId: 'gesture_id',
  employeeId: 'employee_id',
  customerId: 'customer_id',
  gestureType: 'gesture_type',
  storeId: 'store_id',
  channel: 'channel',
  actorId: 'actor_id',
  actorEmployeeId: 'actor_employee_id',
  approverId: 'approver_id',
  reasonCode: 'reason_code',
  note: 'note',
  policyVersion: 'policy_version::text',
  currency: 'currency',
  amountMinor: 'amount_minor::text',
  postedMinor: 'posted_minor::text',
  reservedMinor: 'reserved_minor::text',
  points: 'points::text',
  periodKey: 'period_key',
  // Microseconds, so even a sub-millisecond edit shows; untouched values end in 000.
  occurredAt: `to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  recordedAt: `to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
};

async function* storedLines(query: Query, journal: string, pageSize: number): AsyncGenerator<StoredLine> {
  // Output names are quoted camelCase, so `order by j.seq` is the bigint column, not its text.
  const select = journalFields.map((field) => `${columns[field]} as "${field}"`).join(', ');
  let after = 0;
  for (;;) {
    const rows = await query<Record<string, string | null>>(`select ${select}, j.hash from ${journal} j where j.seq > $1 order by j.seq limit $2`, [after, pageSize]);
    for (const row of rows) {
      const values = Object.fromEntries(journalFields.map((field) => [field, millisecondInstant(row[field] ?? null)])) as StoredLine['values'];
      yield { seq: Number(row['seq']), eventId: row['eventId']!, gestureId: row['gestureId']!, hash: row['hash']!, values };
    }
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1]!['seq']);
  }
}

/** `…:SS.mmm000Z` back to `…:SS.mmmZ`; any other value is left as it is (and so differs). */
function millisecondInstant(value: string | null): string | null {
  return value !== null && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}000Z$/.test(value) ? value.replace(/000Z$/, 'Z') : value;
}

/** An async iterator with a bounded look-ahead buffer. */
class Lookahead<T> {
  private readonly buffer: T[] = [];
  private done = false;

  constructor(private readonly source: AsyncIterator<T>) {}

  async peek(index: number): Promise<T | undefined> {
    while (this.buffer.length <= index && !this.done) {
      const step = await this.source.next();
      if (step.done) this.done = true;
      else this.buffer.push(step.value);
    }
    return this.buffer[index];
  }

  async next(): Promise<T | undefined> {
    const value = await this.peek(0);
    if (value !== undefined) this.buffer.shift();
    return value;
  }

  async findWithin(count: number, match: (value: T) => boolean): Promise<T | undefined> {
    for (let i = 1; i <= count; i++) {
      const value = await this.peek(i);
      if (value === undefined) return undefined;
      if (match(value)) return value;
    }
    return undefined;
  }
}
