import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { bodyValidatorOptions, fieldErrors, toDto, validateDto } from '#http';
import { AdjustBudgetDto, AllocateBudgetDto } from '../src/budgets/budget.dto.js';
import { ApproveGestureDto, DecisionNoteDto } from '../src/gestures/decide-gesture.dto.js';
import { RequestGestureDto } from '../src/gestures/request-gesture.dto.js';
import { RecordFeedbackDto, RecordPurchaseDto, RedeemPointsDto } from '../src/loyalty/loyalty.dto.js';

/** A valid body per DTO; every field is then replaced, in turn, by each odd value below. */
const samples: Array<[new () => object, Record<string, unknown>]> = [
  [RequestGestureDto, { employeeId: 'emp-7', customerId: 'cust-1', gestureType: 'goodwill_credit', amountMinor: 1500, currency: 'USD', channel: 'pos', storeId: 'nyc-fifth-ave', reasonCode: 'service_failure', note: 'late', occurredAt: '2026-11-23T15:04:05Z', idempotencyKey: 'till-12:000184' }],
  [RequestGestureDto, { employeeId: 'emp-7', customerId: 'cust-1', gestureType: 'bonus_loyalty_points', points: 500, channel: 'pos', storeId: 'nyc-fifth-ave', reasonCode: 'long_wait', occurredAt: '2026-11-23T15:04:05.123+01:00', idempotencyKey: 'k' }],
  [ApproveGestureDto, { approvedAmountMinor: 3000, reasonCode: 'partial', note: 'ok' }],
  [ApproveGestureDto, {}],
  [DecisionNoteDto, { reasonCode: 'entered_in_error' }],
  [AllocateBudgetDto, { employeeId: 'emp-7', role: 'associate', storeId: 'nyc-fifth-ave', allowanceOverrideMinor: 50_000, idempotencyKey: 'enrol-1' }],
  [AdjustBudgetDto, { deltaMinor: -500, effectiveAt: '2026-11-23T15:04:05Z', reasonCode: 'promo', note: 'n', idempotencyKey: 'adj-1' }],
  [RecordPurchaseDto, { customerId: 'cust-1', purchaseId: 'p-1', amountMinor: 12_345, currency: 'USD', channel: 'pos', storeId: 'nyc-fifth-ave', occurredAt: '2026-11-23T15:04:05Z' }],
  [RecordFeedbackDto, { customerId: 'cust-1', feedbackId: 'f-1', kind: 'csat', score: 5, gestureId: 'emp-7~0f8fad5b-d9cb-469f-a165-70867728950e', comment: 'good', channel: 'pos', occurredAt: '2026-11-23T15:04:05Z' }],
  [RedeemPointsDto, { redemptionId: 'r-1', points: 100, channel: 'pos', storeId: 'nyc-fifth-ave', occurredAt: '2026-11-23T15:04:05Z' }],
];

const oddValues: unknown[] = [undefined, null, '', ' ', 'x'.repeat(65), 'x'.repeat(2_001), 'a b', 'usd', 'USD', 'EURO', 0, -1, 1, 1.5, 10_000_000_001, Number.MAX_SAFE_INTEGER, '12', true, {}, [], ['pos'], '2026-11-23', '2026-13-01T00:00:00Z', '2026-11-23T15:04:05', '2026-W48-1', '2026-02-30T10:00:00Z', '\u0000', 'a\nb', '\ud800', 'pos', 'web_chat', 'manager', 'refund_outside_policy', 'csat'];

/** What the pipe answered before: class-transformer's instance, class-validator's executor. */
const before = (cls: new () => object, body: Record<string, unknown>) => fieldErrors(validateSync(plainToInstance(cls, body), bodyValidatorOptions));
const now = (cls: new () => object, body: Record<string, unknown>) => fieldErrors(validateDto(toDto(cls, body)));

describe('body validation', () => {
  it('accepts every valid sample', () => {
    for (const [cls, body] of samples) expect([cls.name, now(cls, body)]).toEqual([cls.name, []]);
  });

  it('answers exactly as class-transformer + class-validator did, for every field set to every odd value, and for unknown fields', () => {
    let compared = 0;
    let refused = 0;
    for (const [cls, sample] of samples) {
      const fields = [...Object.keys(sample), 'unknownField'];
      for (const field of fields) {
        for (const odd of oddValues) {
          const body = { ...sample, [field]: odd };
          if (odd === undefined) delete body[field];
          const expected = before(cls, body);
          expect({ cls: cls.name, field, odd, errors: now(cls, body) }).toEqual({ cls: cls.name, field, odd, errors: expected });
          compared++;
          if (expected.length > 0) refused++;
        }
      }
    }
    // The comparison must have exercised both answers many times to mean anything.
    expect(compared).toBeGreaterThan(1_500);
    expect(refused).toBeGreaterThan(800);
    expect(compared - refused).toBeGreaterThan(200);
  });

  it('refuses a body with two odd fields as the executor does', () => {
    const [cls, sample] = samples[0]!;
    for (const a of Object.keys(sample)) for (const b of Object.keys(sample)) {
      const body = { ...sample, [a]: null, [b]: 1.5 };
      expect(now(cls, body)).toEqual(before(cls, body));
    }
  });

  describe('refuses what the domain would refuse, naming the field', () => {
    const sampleOf = (cls: new () => object) => samples.find(([c]) => c === cls)![1];
    const fieldsOf = (cls: new () => object, body: Record<string, unknown>) => now(cls, body).map((e) => e.field);

    it('takes only date-times with an offset, on days and at hours that exist', () => {
      const withInstant: Array<[new () => object, Record<string, unknown>, string]> = [
        [RequestGestureDto, sampleOf(RequestGestureDto), 'occurredAt'],
        [RecordPurchaseDto, sampleOf(RecordPurchaseDto), 'occurredAt'],
        [RecordFeedbackDto, sampleOf(RecordFeedbackDto), 'occurredAt'],
        [RedeemPointsDto, sampleOf(RedeemPointsDto), 'occurredAt'],
        [AdjustBudgetDto, sampleOf(AdjustBudgetDto), 'effectiveAt'],
      ];
      for (const [cls, sample, field] of withInstant) {
        for (const bad of ['2026-11-24', '2026-11-24T05:00:00', '2026-W48-1', '2026-11-24 05:00:00Z', '2026-02-30T10:00:00Z', '2100-02-29T10:00:00Z', '2026-04-31T10:00:00Z', '2026-11-24T24:00:00Z', '2026-11-24T05:00:00+24:00']) {
          expect({ cls: cls.name, bad, fields: fieldsOf(cls, { ...sample, [field]: bad }) }).toEqual({ cls: cls.name, bad, fields: [field] });
        }
        for (const good of ['2026-11-24T05:00Z', '2024-02-29T23:59:59.123456789-05:00', '2000-02-29T00:00:00Z', '2026-11-24T05:00:00+05:30']) {
          expect({ cls: cls.name, good, fields: fieldsOf(cls, { ...sample, [field]: good }) }).toEqual({ cls: cls.name, good, fields: [] });
        }
      }
    });

    it('takes free text without control characters (bar tab and line breaks in notes) and only well-formed Unicode', () => {
      const freeText: Array<[new () => object, Record<string, unknown>, string, boolean]> = [
        [RequestGestureDto, sampleOf(RequestGestureDto), 'note', true],
        [RequestGestureDto, sampleOf(RequestGestureDto), 'reasonCode', false],
        [ApproveGestureDto, sampleOf(ApproveGestureDto), 'note', true],
        [DecisionNoteDto, sampleOf(DecisionNoteDto), 'reasonCode', false],
        [AdjustBudgetDto, sampleOf(AdjustBudgetDto), 'note', true],
        [AdjustBudgetDto, sampleOf(AdjustBudgetDto), 'reasonCode', false],
        [RecordFeedbackDto, sampleOf(RecordFeedbackDto), 'comment', true],
      ];
      for (const [cls, sample, field, multiline] of freeText) {
        for (const bad of ['a\u0000b', '\u0001', 'esc \u001b[31m', 'del \u007f', 'lone \ud800', '\udc00 reversed \ud800', ...(multiline ? [] : ['a\nb', 'a\tb'])]) {
          expect({ cls: cls.name, field, bad, fields: fieldsOf(cls, { ...sample, [field]: bad }) }).toEqual({ cls: cls.name, field, bad, fields: [field] });
        }
        for (const good of ['café 🎉 ok', 'naïve — “quoted”', ...(multiline ? ['line one\nline two\r\n\tindented'] : [])]) {
          expect({ cls: cls.name, field, good, fields: fieldsOf(cls, { ...sample, [field]: good }) }).toEqual({ cls: cls.name, field, good, fields: [] });
        }
      }
    });

    it('takes as the gesture feedback is about only a gesture id', () => {
      for (const bad of ['emp-7~x', 'emp-7', '~0f8fad5b-d9cb-469f-a165-70867728950e', 'emp 7~0f8fad5b-d9cb-469f-a165-70867728950e', 'emp-7~0f8fad5b-d9cb-469f-a165-70867728950e ', 'a\u0000b']) {
        expect({ bad, fields: fieldsOf(RecordFeedbackDto, { ...sampleOf(RecordFeedbackDto), gestureId: bad }) }).toEqual({ bad, fields: ['gestureId'] });
      }
      expect(fieldsOf(RecordFeedbackDto, { ...sampleOf(RecordFeedbackDto), gestureId: 'till-12:emp.7~1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed' })).toEqual([]);
    });

    it('refuses points: null, which the domain would take for a points gesture worth nothing', () => {
      expect(fieldsOf(RequestGestureDto, { ...sampleOf(RequestGestureDto), points: null })).toEqual(['points']);
      expect(fieldsOf(RequestGestureDto, { ...samples[1]![1], points: null })).toEqual(['points']);
    });

    it('refuses approving 0 (deny instead), and takes null as the whole reservation', () => {
      expect(fieldsOf(ApproveGestureDto, { approvedAmountMinor: 0 })).toEqual(['approvedAmountMinor']);
      expect(fieldsOf(ApproveGestureDto, { approvedAmountMinor: 1 })).toEqual([]);
      expect(fieldsOf(ApproveGestureDto, { approvedAmountMinor: null })).toEqual([]);
    });
  });
});
