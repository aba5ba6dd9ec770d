import type { BudgetAllocated, FeedbackReceived, PolicyPublished } from '#domain';
import type { RecordedEvent } from '#event-store';
import { jsonRows } from '../json-rows.js';
import type { Projection, Query } from '../projection.js';
import { createFinanceIndexes, createFinanceTables, financeTables, type FinanceTables } from './finance-tables.js';
import { chainLines, emptyChain, type ChainHead, type HashedLine } from './hash-chain.js';
import type { AppendColumn } from '../runtime/bulk-append.js';
import { canonicalInstant, journalFactsOf, type JournalFacts, type JournalLine } from './journal-line.js';

/**
 * The finance journal (hash-chained, one entry per gesture fact) and what its queries look up:
 * policy caps by version, store regions, employee roles, and feedback for recognition.
 */
export const financeJournalProjection: Projection = {
  name: 'finance',
  // 2: stores keep their time zone, so spend is bucketed by the store's local date.
  // 3: stores are kept per policy version, and a line is dated and grouped by its own policy's store.
  // 4: every enrolment is kept at its place in the log, and a gesture judged by the role its employee had then.
  version: 4,
  createTables: createFinanceTables,
  createIndexes: createFinanceIndexes,
  async apply(events, query, schema) {
    const t = financeTables(schema);
    const batch = sortBatch(events);
    if (batch.policies.length > 0) await writePolicies(batch.policies, query, t);
    if (batch.enrolments.length > 0) await writeEnrolments(batch.enrolments, query, t);
    if (batch.feedback.length > 0) await writeFeedback(batch.feedback, query, t);
    if (batch.facts.length > 0) await appendToJournal(batch.facts, batch.lastJournalPosition, query, t);
  },
  bulkLoad(schema) {
    // A rebuild is the journal's only writer, so the chain head lives in memory and is stored once at the end.
    const t = financeTables(schema);
    let head: ChainHead = emptyChain;
    let headPosition: string | null = null;
    // What the next flush writes: journal lines hashed as they are folded, in log order.
    let batch = emptyBatch();
    let lines: HashedLine[] = [];
    return {
      stagingSql: '',
      // Policies, stores and enrolments are few and written as the live path does; the journal and feedback only appended.
      keyedAfterLoad: ['finance_journal', 'finance_feedback'],
      fold(events) {
        sortBatch(events, batch);
        if (batch.facts.length === 0) return;
        const chained = chainLines(head, batch.facts);
        head = chained.head;
        headPosition = batch.lastJournalPosition;
        for (const line of chained.lines) lines.push(line);
        // The facts are hashed into lines now: only the lines wait for the flush.
        batch.facts = [];
      },
      // Journal lines aggregate nothing: written page by page, so they never outlive V8's nursery by much.
      writes() {
        if (batch.policies.length === 0 && batch.enrolments.length === 0 && batch.feedback.length === 0 && lines.length === 0) return null;
        const b = batch;
        const hashed = lines;
        batch = emptyBatch();
        lines = [];
        return async ({ query, append }) => {
          if (b.policies.length > 0) await writePolicies(b.policies, query, t);
          if (b.enrolments.length > 0) await writeEnrolments(b.enrolments, query, t);
          // Each event is read once by a rebuild: its feedback is appended, no conflict to check.
          if (b.feedback.length > 0) await append(t.feedback, feedbackColumns, b.feedback.map(feedbackRow), feedbackValue);
          if (hashed.length > 0) await append(t.journal, journalAppendColumns, hashed, journalValue);
        };
      },
      // The journal and feedback are only appended: nothing to merge but the chain's head.
      merges: [
        {
          tables: ['finance_chain'],
          async run(query) {
            if (headPosition !== null) await query(`insert into ${t.chain} (id, head_seq, head_hash, head_position) values (1, $1, $2, $3)`, [head.seq, head.hash, headPosition]);
          },
        },
      ],
      dropStagingSql: '',
    };
  },
};

interface SortedBatch {
  facts: JournalFacts[];
  lastJournalPosition: string;
  policies: RecordedEvent[];
  enrolments: RecordedEvent[];
  feedback: RecordedEvent[];
}

function emptyBatch(): SortedBatch {
  return { facts: [], lastJournalPosition: '', policies: [], enrolments: [], feedback: [] };
}

/** Sorts `events` into `batch` (a fresh one unless given: sorting into an earlier batch extends it). */
function sortBatch(events: readonly RecordedEvent[], batch: SortedBatch = emptyBatch()): SortedBatch {
  for (const event of events) {
    switch (event.type) {
      case 'PolicyPublished':
        batch.policies.push(event);
        break;
      case 'BudgetAllocated':
        batch.enrolments.push(event);
        break;
      case 'FeedbackReceived':
        batch.feedback.push(event);
        break;
      default: {
        const facts = journalFactsOf(event);
        if (facts) {
          batch.facts.push(facts);
          batch.lastJournalPosition = facts.position;
        }
      }
    }
  }
  return batch;
}

/**
 * Hashing needs the previous line's hash, kept in the chain-head row and read once per batch; the
 * insert and the head's move are one statement.
 */
async function appendToJournal(facts: JournalFacts[], lastPosition: string, query: Query, t: FinanceTables): Promise<void> {
  const [row] = await query<{ head_seq: string | number; head_hash: string }>(`select head_seq, head_hash from ${t.chain} where id = 1`, []);
  const head: ChainHead = row ? { seq: Number(row.head_seq), hash: row.head_hash } : emptyChain;
  const { lines, head: next } = chainLines(head, facts);
  await query(
    `with appended as (${insertJournalSql(t)} returning 1)
     insert into ${t.chain} (id, head_seq, head_hash, head_position) values (1, $2, $3, $4)
     on conflict (id) do update set head_seq = excluded.head_seq, head_hash = excluded.head_hash, head_position = excluded.head_position`,
    [jsonRows(lines.map(journalRow)), next.seq, next.hash, lastPosition],
  );
}

/** The journal's columns, their types and the line's field each is read from (the rebuild's typed-array insert). */
const journalColumns: ReadonlyArray<readonly [string, string, keyof JournalLine]> = [
  ['seq', 'bigint', 'seq'], ['event_id', 'text', 'eventId'], ['position', 'text', 'position'], ['kind', 'text', 'kind'], ['gesture_id', 'text', 'gestureId'],
  ['employee_id', 'text', 'employeeId'], ['customer_id', 'text', 'customerId'], ['gesture_type', 'text', 'gestureType'], ['store_id', 'text', 'storeId'],
  ['channel', 'text', 'channel'], ['actor_id', 'text', 'actorId'], ['actor_employee_id', 'text', 'actorEmployeeId'], ['approver_id', 'text', 'approverId'],
  ['reason_code', 'text', 'reasonCode'], ['note', 'text', 'note'], ['policy_version', 'int', 'policyVersion'], ['currency', 'text', 'currency'],
  ['amount_minor', 'bigint', 'amountMinor'], ['posted_minor', 'bigint', 'postedMinor'], ['reserved_minor', 'bigint', 'reservedMinor'], ['points', 'bigint', 'points'],
  ['period_key', 'text', 'periodKey'], ['occurred_at', 'timestamptz', 'occurredAt'], ['recorded_at', 'timestamptz', 'recordedAt'],
];

/** The rebuild's journal append: the same rows as the live path's, each column read straight off the hashed line. */
const journalAppendColumns: readonly AppendColumn[] = [...journalColumns.map(([column, type]) => [column, type] as const), ['hash', 'text']];
const journalValue = (l: HashedLine, i: number): unknown => (i < journalColumns.length ? l.line[journalColumns[i]![2]] : l.hash);

/** The journal's insert from `$1`, its rows as `json_to_recordset` reads them. */
function insertJournalSql(t: FinanceTables): string {
  return `insert into ${t.journal} (seq, event_id, position, kind, gesture_id, employee_id, customer_id, gesture_type, store_id, channel, actor_id,
         actor_employee_id, approver_id, reason_code, note, policy_version, currency, amount_minor, posted_minor, reserved_minor, points, period_key,
         occurred_at, recorded_at, hash)
       select * from json_to_recordset($1::json) as r(seq bigint, event_id text, position text, kind text, gesture_id text, employee_id text,
         customer_id text, gesture_type text, store_id text, channel text, actor_id text, actor_employee_id text, approver_id text, reason_code text,
         note text, policy_version int, currency text, amount_minor bigint, posted_minor bigint, reserved_minor bigint, points bigint,
         period_key text, occurred_at timestamptz, recorded_at timestamptz, hash text)`;
}

/** One journal row as `json_to_recordset` above reads it. */
function journalRow({ line: l, hash }: HashedLine) {
  return {
    seq: l.seq, event_id: l.eventId, position: l.position, kind: l.kind, gesture_id: l.gestureId, employee_id: l.employeeId,
    customer_id: l.customerId, gesture_type: l.gestureType, store_id: l.storeId, channel: l.channel, actor_id: l.actorId,
    actor_employee_id: l.actorEmployeeId, approver_id: l.approverId, reason_code: l.reasonCode, note: l.note, policy_version: l.policyVersion,
    currency: l.currency, amount_minor: l.amountMinor, posted_minor: l.postedMinor, reserved_minor: l.reservedMinor, points: l.points,
    period_key: l.periodKey, occurred_at: l.occurredAt, recorded_at: l.recordedAt, hash,
  };
}

async function writePolicies(events: RecordedEvent[], query: Query, t: FinanceTables): Promise<void> {
  // A policy is published a few times a year: a statement per policy costs nothing.
  for (const event of events) {
    const policy = event.data as unknown as PolicyPublished['data'];
    await query(
      `insert into ${t.policy} (version, currency, roles, published_at) values ($1, $2, $3::jsonb, $4)
       on conflict (version) do nothing`,
      [policy.version, policy.currency, JSON.stringify(policy.roles), canonicalInstant(policy.publishedAt)],
    );
    // A published version never changes: a policy read twice (a batch applied again) writes nothing new.
    const stores = Object.entries(policy.stores).map(([store_id, rule]) => ({ policy_version: policy.version, store_id, region: rule.region, time_zone: rule.timeZone }));
    await query(
      `insert into ${t.policyStore} (policy_version, store_id, region, time_zone)
       select policy_version, store_id, region, time_zone from json_to_recordset($1::json) as r(policy_version int, store_id text, region text, time_zone text)
       on conflict (policy_version, store_id) do nothing`,
      [jsonRows(stores)],
    );
  }
}

/** Enrolments are kept, not overwritten: a batch applied again writes nothing new. */
async function writeEnrolments(events: RecordedEvent[], query: Query, t: FinanceTables): Promise<void> {
  const rows = events.map((event) => {
    const e = event.data as unknown as BudgetAllocated['data'];
    return { event_id: event.id, employee_id: e.employeeId, role: e.role, store_id: e.storeId, log_commit: String(event.position.commit), log_prepare: String(event.position.prepare), recorded_at: e.recordedAt };
  });
  await query(
    `insert into ${t.enrolment} (event_id, employee_id, role, store_id, log_commit, log_prepare, recorded_at)
     select event_id, employee_id, role, store_id, log_commit, log_prepare, recorded_at
       from json_to_recordset($1::json) as r(event_id text, employee_id text, role text, store_id text, log_commit numeric, log_prepare numeric, recorded_at timestamptz)
     on conflict (event_id) do nothing`,
    [jsonRows(rows)],
  );
}

/** finance_feedback's columns, as the rebuild appends them and the live path upserts them. */
const feedbackColumns: readonly AppendColumn[] = [
  ['event_id', 'text'], ['feedback_id', 'text'], ['customer_id', 'text'], ['kind', 'text'], ['score', 'int'], ['gesture_id', 'text'],
  ['employee_id', 'text'], ['channel', 'text'], ['occurred_at', 'timestamptz'], ['recorded_at', 'timestamptz'],
];

function feedbackRow(event: RecordedEvent) {
  const f = event.data as unknown as FeedbackReceived['data'];
  return {
    event_id: event.id, feedback_id: f.feedbackId, customer_id: f.customerId, kind: f.kind, score: f.score, gesture_id: f.gestureId,
    employee_id: f.employeeId, channel: f.channel, occurred_at: f.occurredAt, recorded_at: f.recordedAt,
  };
}

const feedbackValue = (row: ReturnType<typeof feedbackRow>, i: number): unknown => row[feedbackColumns[i]![0] as keyof typeof row];

async function writeFeedback(events: RecordedEvent[], query: Query, t: FinanceTables): Promise<void> {
  const rows = events.map(feedbackRow);
  await query(
    `insert into ${t.feedback} (event_id, feedback_id, customer_id, kind, score, gesture_id, employee_id, channel, occurred_at, recorded_at)
     select * from json_to_recordset($1::json) as r(event_id text, feedback_id text, customer_id text, kind text, score int, gesture_id text,
       employee_id text, channel text, occurred_at timestamptz, recorded_at timestamptz)
     on conflict (event_id) do nothing`,
    [jsonRows(rows)],
  );
}
