import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '#event-store';
import { chainLines, emptyChain, genesisHash, lineHash } from './hash-chain.js';
import { journalFactsOf, journalFields, type JournalFacts } from './journal-line.js';

const facts = (over: Record<string, unknown> = {}) => ({
  gestureId: 'ana~00000000-0000-5000-8000-000000000001',
  employeeId: 'ana',
  customerId: 'c-1',
  gestureType: 'goodwill_credit',
  who: { employeeId: 'ana', actorId: 'ana' },
  where: { channel: 'pos', storeId: 'chicago-loop' },
  why: { reasonCode: 'service_failure', note: 'late' },
  when: { occurredAt: '2025-03-04T14:00:00Z', recordedAt: '2025-03-04T14:00:01.5+00:00' },
  policyVersion: 3,
  ...over,
});
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
let prepare = 0n;
const event = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: `00000000-0000-5000-8000-${String(++prepare).padStart(12, '0')}`,
  type,
  schemaVersion: 1,
  data: data as RecordedEvent['data'],
  metadata: { correlationId: 'c', causationId: null, actor: 'ana', recordedAt: '2025-03-04T14:00:01Z' },
  streamName: 'discretion-budget-ana',
  revision: prepare,
  position: { commit: 7n, prepare },
});
const period = { kind: 'day', key: '2025-03-04', startsOn: '2025-03-04', endsOn: '2025-03-04', allowanceMinor: 20_000 };

describe('journal lines from gesture events', () => {
  it.each([
    ['GestureGranted', { cost: usd(1_500), points: null, period }, { kind: 'granted', amountMinor: 1_500, postedMinor: 1_500, reservedMinor: 0, periodKey: '2025-03-04' }],
    ['GestureEscalated', { reservationId: 'r', reserved: usd(4_000), points: null, pointValueMinor: null, period, approverRole: 'senior_associate', expiresAt: '2025-03-04T14:30:00Z' }, { kind: 'escalated', amountMinor: 4_000, postedMinor: 0, reservedMinor: 4_000 }],
    ['GestureApproved', { reservationId: 'r', periodKey: 'p', approved: usd(3_500), released: usd(500), approvedPoints: null, approverId: 'sue', approverRole: 'supervisor' }, { kind: 'approved', amountMinor: 3_500, postedMinor: 3_500, reservedMinor: -4_000, approverId: 'sue' }],
    ['GestureDenied', { reservationId: 'r', periodKey: 'p', released: usd(4_000), approverId: 'sue', approverRole: 'supervisor' }, { kind: 'denied', postedMinor: 0, reservedMinor: -4_000, approverId: 'sue' }],
    ['EscalationExpired', { reservationId: 'r', periodKey: 'p', released: usd(4_000), expiresAt: 'x' }, { kind: 'expired', postedMinor: 0, reservedMinor: -4_000, approverId: null }],
    ['GestureReversed', { periodKey: 'p', returned: usd(900), returnedPoints: null, reversedBy: { employeeId: 'sue', actorId: 'sue', role: 'supervisor' } }, { kind: 'reversed', amountMinor: 900, postedMinor: -900, reservedMinor: 0 }],
    ['GestureRefused', { reason: 'cap_exceeded', requested: { amount: usd(99_000), points: null }, periodKey: null }, { kind: 'refused', amountMinor: 99_000, postedMinor: 0, reservedMinor: 0, currency: 'USD' }],
    ['GestureRefused', { reason: 'cap_exceeded', requested: { amount: null, points: 50 }, periodKey: null }, { kind: 'refused', amountMinor: 0, currency: 'XXX', points: 50 }],
  ])('%s posts and reserves what it should', (type, data, expected) => {
    const line = journalFactsOf(event(type, { ...facts(), ...data }));
    expect(line).toMatchObject({ ...expected, gestureId: facts().gestureId, storeId: 'chicago-loop', channel: 'pos', policyVersion: 3 });
  });

  it('normalises instants to millisecond UTC text and keeps the log position', () => {
    const line = journalFactsOf(event('GestureGranted', { ...facts(), cost: usd(1), points: null, period }))!;
    expect(line.occurredAt).toBe('2025-03-04T14:00:00.000Z');
    expect(line.recordedAt).toBe('2025-03-04T14:00:01.500Z');
    expect(line.position).toMatch(/^7\/\d+$/);
  });

  it('makes no line of events that are not gesture facts', () => {
    expect(journalFactsOf(event('BudgetAllocated', { employeeId: 'ana' }))).toBeNull();
    expect(journalFactsOf(event('FeedbackReceived', { customerId: 'c' }))).toBeNull();
  });
});

describe('the hash chain', () => {
  const some = (n: number): JournalFacts[] =>
    Array.from({ length: n }, (_, i) => journalFactsOf(event('GestureGranted', { ...facts({ customerId: `c-${i}` }), cost: usd(100 + i), points: null, period }))!);

  it('chains in batches exactly as in one go', () => {
    const lines = some(10);
    const whole = chainLines(emptyChain, lines);
    const first = chainLines(emptyChain, lines.slice(0, 3));
    const rest = chainLines(first.head, lines.slice(3));
    expect([...first.lines, ...rest.lines]).toEqual(whole.lines);
    expect(rest.head).toEqual(whole.head);
    expect(whole.lines.map((l) => l.line.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("covers every field and the previous line's hash", () => {
    const [{ line, hash }] = chainLines(emptyChain, some(1)).lines as [{ line: never; hash: string }];
    expect(lineHash(genesisHash, line)).toBe(hash);
    expect(lineHash('0'.repeat(64), line)).not.toBe(hash);
    for (const field of journalFields) {
      const changed = { ...(line as object), [field]: field === 'seq' || field.endsWith('Minor') || field === 'policyVersion' ? 12345 : 'x' };
      expect({ field, differs: lineHash(genesisHash, changed as never) !== hash }).toEqual({ field, differs: true });
    }
  });
});
