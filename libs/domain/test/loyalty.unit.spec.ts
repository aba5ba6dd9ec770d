import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification, decideLoyalty, evolveLoyalty, initialLoyaltyState, InvariantViolation, isRefusal, loyaltyDecider, upcastLoyaltyEvent, type LoyaltyAccount, type LoyaltyEvent, type LoyaltyState } from '#domain';
import { carol, credit, expirePoints, feedback, lot, pointsEarned, pointsExpired, policy, purchase, purchaseRecorded, redeem, reverseBonus, servedByAlice, tierChanged } from './loyalty-fixtures.js';
import { between, seededRandom } from './prng.js';

const given = DeciderSpecification.for(loyaltyDecider, policy);
const account = (events: LoyaltyEvent[]): LoyaltyAccount => given(events).state() as LoyaltyAccount;

describe('RecordPurchase', () => {
  describe('for a customer never seen', () => {
    it('records the spend, earns whole points per dollar and places the customer in the first tier', () => {
      const at = '2026-11-23T18:00:00.000Z';
      given([]).when(purchase('p-1', 12_345, at)).then([
        purchaseRecorded('p-1', 12_345, '2026-11', at),
        pointsEarned('p-1', 123, '2026-11', at),
        tierChanged(null, 'bronze', 12_345, '2026-11', at),
      ]);
    });

    it('earns nothing below a dollar, but still counts the spend', () => {
      const at = '2026-11-23T18:00:00.000Z';
      given([]).when(purchase('p-1', 99, at)).then([purchaseRecorded('p-1', 99, '2026-11', at), tierChanged(null, 'bronze', 99, '2026-11', at)]);
    });

    it('counts a purchase at 23:30 on 30 November in Los Angeles in November', () => {
      const at = '2026-12-01T07:30:00.000Z';
      given([]).when(purchase('p-1', 1_000, at)).then([purchaseRecorded('p-1', 1_000, '2026-11', at), pointsEarned('p-1', 10, '2026-11', at), tierChanged(null, 'bronze', 1_000, '2026-11', at)]);
    });

    it('names who served the customer and who rang it up; nobody served when a system recorded it without naming one', () => {
      const at = '2026-11-23T18:00:00.000Z';
      const crmAlone = { employeeId: null, actorId: 'crm-sync' };
      const [recorded] = given([]).when(purchase('p-1', 1_000, at)).decision() as LoyaltyEvent[];
      expect(recorded).toEqual(purchaseRecorded('p-1', 1_000, '2026-11', at, servedByAlice));
      expect(recorded).toMatchObject({ schemaVersion: 2, data: { who: { employeeId: 'emp-alice', actorId: 'till-sm-07' } } });
      given([]).when(purchase('p-1', 1_000, at, { who: crmAlone })).then([purchaseRecorded('p-1', 1_000, '2026-11', at, crmAlone), pointsEarned('p-1', 10, '2026-11', at), tierChanged(null, 'bronze', 1_000, '2026-11', at)]);
    });

    it('refuses another currency, an unknown store and a purchase from the future', () => {
      given([]).when(purchase('p-1', 1_000, '2026-11-23T18:00:00.000Z', { amount: { amountMinor: 1_000, currency: 'CAD' } })).thenRefused('currency_mismatch');
      given([]).when(purchase('p-1', 1_000, '2026-11-23T18:00:00.000Z', { where: { channel: 'pos', storeId: 'atlantis' } })).thenRefused('unknown_store');
      given([]).when(purchase('p-1', 1_000, '2026-11-23T19:00:00.000Z', { recordedAt: '2026-11-23T18:00:00.000Z' })).thenRefused('occurred_in_future');
    });
  });

  describe('for a bronze customer', () => {
    const history = [purchaseRecorded('p-1', 49_000, '2026-06', '2026-06-10T18:00:00.000Z'), tierChanged(null, 'bronze', 49_000, '2026-06', '2026-06-10T18:00:00.000Z')];

    it('moves up to silver once the rolling twelve-month spend reaches it', () => {
      const at = '2026-11-23T18:00:00.000Z';
      given(history).when(purchase('p-2', 1_000, at)).then([purchaseRecorded('p-2', 1_000, '2026-11', at), pointsEarned('p-2', 10, '2026-11', at), tierChanged('bronze', 'silver', 50_000, '2026-11', at)]);
    });

    it('does not count spend that has rolled out of the twelve months', () => {
      const at = '2027-06-02T18:00:00.000Z';
      given(history).when(purchase('p-2', 1_000, at)).then([purchaseRecorded('p-2', 1_000, '2027-06', at), pointsEarned('p-2', 10, '2027-06', at)]);
    });

    it('keeps the tier a purchase in a store already in the new month earned, when the next one is in a store still in the old month', () => {
      const goldInNewYorksDecember = [purchaseRecorded('p-2', 250_000, '2026-12', '2026-12-01T05:30:00.000Z'), tierChanged(null, 'gold', 250_000, '2026-12', '2026-12-01T05:30:00.000Z')];
      const tenPmInLosAngeles = '2026-12-01T06:00:00.000Z';
      given(goldInNewYorksDecember).when(purchase('p-3', 1_000, tenPmInLosAngeles)).then([purchaseRecorded('p-3', 1_000, '2026-11', tenPmInLosAngeles), pointsEarned('p-3', 10, '2026-11', tenPmInLosAngeles)]);
    });

    it('returns nothing for a purchase already recorded', () => {
      given([...history.slice(0, 1), purchaseRecorded('p-2', 1_000, '2026-11', '2026-11-23T18:00:00.000Z')]).when(purchase('p-2', 1_000, '2026-11-23T18:00:00.000Z')).thenNothingHappened();
    });

    it('takes the same purchase from another till for the same employee as a retry, but one naming another employee (or nobody) as a reused id', () => {
      const at = '2026-11-23T18:00:00.000Z';
      const recorded = [...history.slice(0, 1), purchaseRecorded('p-2', 1_000, '2026-11', at)];
      given(recorded).when(purchase('p-2', 1_000, at, { who: { employeeId: 'emp-alice', actorId: 'till-sm-08' } })).thenNothingHappened();
      given(recorded).when(purchase('p-2', 1_000, at, { who: { employeeId: 'emp-bob', actorId: 'till-sm-07' } })).thenRefused('idempotency_key_reused', 'first answer stands');
      given(recorded).when(purchase('p-2', 1_000, at, { who: { employeeId: null, actorId: 'till-sm-07' } })).thenRefused('idempotency_key_reused');
      const byNobody = [...history.slice(0, 1), purchaseRecorded('p-2', 1_000, '2026-11', at, { employeeId: null, actorId: 'crm-sync' })];
      given(byNobody).when(purchase('p-2', 1_000, at)).thenRefused('idempotency_key_reused');
    });

    it('refuses the id of a recorded purchase for another amount as a reused id, rather than answer the first sale', () => {
      const at = '2026-11-23T18:00:00.000Z';
      const recorded = [...history.slice(0, 1), purchaseRecorded('p-2', 1_000, '2026-11', at)];
      given(recorded).when(purchase('p-2', 1_500, at)).thenRefused('idempotency_key_reused', 'a purchase of 1000 USD, not 1500 USD');
    });
  });

  it('keeps at most thirteen monthly spend buckets', () => {
    const events: LoyaltyEvent[] = [];
    for (let m = 0; m < 30; m += 1) {
      const month = `20${25 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
      events.push(purchaseRecorded(`p-${m}`, 100, month, `${month}-10T18:00:00.000Z`));
    }
    const spend = account(events).spend;
    expect(spend).toHaveLength(13);
    expect(spend[0]!.month).toBe('2026-06');
    expect(spend[12]!.month).toBe('2027-06');
  });
});

describe('ExpirePoints', () => {
  const history = [tierChanged(null, 'bronze', 0, '2025-10', '2025-10-15T20:00:00.000Z'), lot('2025-10', 300), lot('2025-11', 200), lot('2026-11', 100)];

  it('expires lots more than twelve months after the month they were earned in', () => {
    given(history).when(expirePoints('2026-11-01')).then([pointsExpired([{ month: '2025-10', points: 300 }], '2026-11', '2026-11-01T10:00:00.000Z')]);
    given(history).when(expirePoints('2026-12-01')).then([pointsExpired([{ month: '2025-10', points: 300 }, { month: '2025-11', points: 200 }], '2026-12', '2026-12-01T10:00:00.000Z')]);
  });

  it('returns nothing when run again for the same date', () => {
    given([...history, pointsExpired([{ month: '2025-10', points: 300 }], '2026-11', '2026-11-01T10:00:00.000Z')]).when(expirePoints('2026-11-30')).thenNothingHappened();
  });

  it('expires only what is left of a partly redeemed lot', () => {
    const partlyUsed = [...history, { type: 'PointsRedeemed' as const, schemaVersion: 2 as const, data: { ...redeemedData(250, [{ month: '2025-10', points: 250 }]) } }];
    given(partlyUsed).when(expirePoints('2026-11-01')).then([pointsExpired([{ month: '2025-10', points: 50 }], '2026-11', '2026-11-01T10:00:00.000Z')]);
  });

  it('drops the tier when spend rolls out of the twelve months', () => {
    const gold = [purchaseRecorded('p-1', 250_000, '2025-10', '2025-10-10T18:00:00.000Z'), tierChanged(null, 'gold', 250_000, '2025-10', '2025-10-10T18:00:00.000Z')];
    given(gold).when(expirePoints('2026-10-01')).then([tierChanged('gold', 'bronze', 0, '2026-10', '2026-10-01T10:00:00.000Z')]);
    given(gold).when(expirePoints('2026-09-30')).thenNothingHappened();
  });

  it('returns nothing for a customer never seen', () => {
    given([]).when(expirePoints('2026-11-01')).thenNothingHappened();
  });

  describe('at the turn of a month, which comes at a different hour in each store', () => {
    // Both last through November 2026; the sample policy's last store to see December is Honolulu (UTC−10).
    const lastValidInNovember = [tierChanged(null, 'bronze', 0, '2025-11', '2025-11-15T20:00:00.000Z'), lot('2025-11', 200)];
    const goldFromNovember = [purchaseRecorded('p-1', 250_000, '2025-12', '2025-12-10T18:00:00.000Z'), tierChanged(null, 'gold', 250_000, '2025-12', '2025-12-10T18:00:00.000Z')];
    const whileHonoluluIsInNovember = '2026-12-01T05:00:00.000Z';
    const onceEveryStoreIsInDecember = '2026-12-01T11:00:00.000Z';

    it('keeps the points and the tier while any store is still in November, where a purchase would be judged by November', () => {
      given(lastValidInNovember).when(expirePoints('2026-12-01', whileHonoluluIsInNovember)).thenNothingHappened();
      given(goldFromNovember).when(expirePoints('2026-12-01', whileHonoluluIsInNovember)).thenNothingHappened();
    });

    it('expires them once every store is in December', () => {
      given(lastValidInNovember).when(expirePoints('2026-12-01', onceEveryStoreIsInDecember)).then([pointsExpired([{ month: '2025-11', points: 200 }], '2026-12', onceEveryStoreIsInDecember)]);
      given(goldFromNovember).when(expirePoints('2026-12-01', onceEveryStoreIsInDecember)).then([tierChanged('gold', 'bronze', 0, '2026-12', onceEveryStoreIsInDecember)]);
    });

    it("never judges by a month older than the customer's own latest purchase, made in a store already in December", () => {
      const goldInNewYorksDecember = [purchaseRecorded('p-2', 250_000, '2026-12', '2026-12-01T05:30:00.000Z'), tierChanged(null, 'gold', 250_000, '2026-12', '2026-12-01T05:30:00.000Z')];
      given(goldInNewYorksDecember).when(expirePoints('2026-12-01', '2026-12-01T05:45:00.000Z')).thenNothingHappened();
    });

    it('does not wait for UTC when every store is ahead of it', () => {
      const tokyoOnly = DeciderSpecification.for(loyaltyDecider, { ...policy, stores: { 'tokyo-ginza': { timeZone: 'Asia/Tokyo', region: 'jp' } } });
      const tokyoMorning = '2026-11-30T16:00:00.000Z';
      tokyoOnly(lastValidInNovember).when(expirePoints('2026-11-30', tokyoMorning)).then([pointsExpired([{ month: '2025-11', points: 200 }], '2026-12', tokyoMorning)]);
    });

    it('goes by UTC for a policy without stores', () => {
      const storeless = DeciderSpecification.for(loyaltyDecider, { ...policy, stores: {} });
      storeless(lastValidInNovember).when(expirePoints('2026-12-01', whileHonoluluIsInNovember)).then([pointsExpired([{ month: '2025-11', points: 200 }], '2026-12', whileHonoluluIsInNovember)]);
    });

    it('refuses a run named after another day than the UTC date it runs on', () => {
      given(lastValidInNovember).when(expirePoints('2026-11-30', onceEveryStoreIsInDecember)).thenThrows(InvariantViolation, 'asOf must be the UTC date of recordedAt');
    });
  });
});

describe('RedeemPoints', () => {
  const history = [lot('2026-01', 100), lot('2026-02', 100)];
  const at = '2026-11-23T18:00:00.000Z';

  it('takes the oldest points first', () => {
    given(history).when(redeem(150, at)).then([{ type: 'PointsRedeemed', schemaVersion: 2, data: redeemedData(150, [{ month: '2026-01', points: 100 }, { month: '2026-02', points: 50 }], 50) }]);
  });

  it('may take the whole balance, never more', () => {
    given(history).when(redeem(200, at)).then([{ type: 'PointsRedeemed', schemaVersion: 2, data: redeemedData(200, [{ month: '2026-01', points: 100 }, { month: '2026-02', points: 100 }], 0) }]);
    given(history).when(redeem(201, at)).thenRefused('insufficient_points', 'balance is 200');
    given([]).when(redeem(1, at)).thenRefused('insufficient_points');
  });

  it('refuses a redemption dated ahead of the clock, as purchases and feedback', () => {
    const ahead = redeem(50, at);
    given(history).when({ ...ahead, data: { ...ahead.data, occurredAt: '2026-11-23T18:20:00.000Z' } }).thenRefused('occurred_in_future');
    given(history).when({ ...ahead, data: { ...ahead.data, occurredAt: '2026-11-23T18:09:00.000Z' } }).then([{ type: 'PointsRedeemed', schemaVersion: 2, data: { ...redeemedData(50, [{ month: '2026-01', points: 50 }], 150), occurredAt: '2026-11-23T18:09:00.000Z' } }]);
  });

  it('expires due points before redeeming, so expired points cannot be spent', () => {
    const withOld = [lot('2025-01', 500), lot('2026-11', 100)];
    given(withOld).when(redeem(300, at)).thenRefused('insufficient_points', 'balance is 100');
    given(withOld).when(redeem(50, at)).then([
      pointsExpired([{ month: '2025-01', points: 500 }], '2026-11', at),
      { type: 'PointsRedeemed', schemaVersion: 2, data: redeemedData(50, [{ month: '2026-11', points: 50 }], 50) },
    ]);
  });

  it('names who served the customer and who rang it up; nobody served when a system redeemed without naming one', () => {
    given(history).when(redeem(150, at)).then([{ type: 'PointsRedeemed', schemaVersion: 2, data: { ...redeemedData(150, [{ month: '2026-01', points: 100 }, { month: '2026-02', points: 50 }], 50), who: servedByAlice } }]);
    const crmAlone = { employeeId: null, actorId: 'crm-sync' };
    given(history).when(redeem(150, at, 'red-1', crmAlone)).then([{ type: 'PointsRedeemed', schemaVersion: 2, data: { ...redeemedData(150, [{ month: '2026-01', points: 100 }, { month: '2026-02', points: 50 }], 50), who: crmAlone } }]);
  });

  it('returns nothing for a redemption already made', () => {
    given([...history, { type: 'PointsRedeemed', schemaVersion: 2, data: redeemedData(150, [{ month: '2026-01', points: 100 }, { month: '2026-02', points: 50 }], 50) }]).when(redeem(150, at)).thenNothingHappened();
  });

  it('takes the same redemption from another till for the same employee as a retry, but one naming another employee (or nobody) as a reused id', () => {
    const made = [...history, { type: 'PointsRedeemed' as const, schemaVersion: 2 as const, data: redeemedData(150, [{ month: '2026-01', points: 100 }, { month: '2026-02', points: 50 }], 50) }];
    given(made).when(redeem(150, at, 'red-1', { employeeId: 'emp-alice', actorId: 'till-sm-08' })).thenNothingHappened();
    given(made).when(redeem(150, at, 'red-1', { employeeId: 'emp-bob', actorId: 'till-sm-07' })).thenRefused('idempotency_key_reused', 'first answer stands');
    given(made).when(redeem(150, at, 'red-1', { employeeId: null, actorId: 'till-sm-07' })).thenRefused('idempotency_key_reused');
  });

  it('refuses the id of a redemption made for other points as a reused id', () => {
    const made = [...history, { type: 'PointsRedeemed' as const, schemaVersion: 2 as const, data: redeemedData(150, [{ month: '2026-01', points: 100 }, { month: '2026-02', points: 50 }], 50) }];
    given(made).when(redeem(100, at)).thenRefused('idempotency_key_reused', 'a redemption of 150 points, not 100 points');
  });
});

describe('CreditBonusPoints', () => {
  const at = '2026-11-23T18:00:00.000Z';

  it('credits the points into this month’s lot, with the gesture’s full context', () => {
    const command = credit('g-7', 500, at);
    given([]).when(command).then([
      {
        type: 'BonusPointsCredited',
        schemaVersion: 1,
        data: { customerId: carol, gestureId: 'g-7', employeeId: 'emp-alice', points: 500, lotMonth: '2026-11', creditedAt: at, who: command.data.who, where: command.data.where, why: command.data.why, when: command.data.when, policyVersion: 1 },
      },
    ]);
  });

  it('returns nothing for a gesture already credited', () => {
    const events = given([]).when(credit('g-7', 500, at)).decision() as LoyaltyEvent[];
    given(events).when(credit('g-7', 500, at)).thenNothingHappened();
    expect(account(events).balancePoints).toBe(500);
  });
});

describe('ReverseBonusPoints', () => {
  const at = '2026-11-24T18:00:00.000Z';
  const reversed = (credited: number, taken: number, fromLots: Array<{ month: string; points: number }>, balanceAfter: number): LoyaltyEvent => {
    const command = reverseBonus('g-7', credited, at);
    return {
      type: 'BonusPointsReversed',
      schemaVersion: 1,
      data: {
        customerId: carol,
        gestureId: 'g-7',
        employeeId: 'emp-alice',
        creditedPoints: credited,
        points: taken,
        unrecoveredPoints: credited - taken,
        fromLots,
        balanceAfter,
        reversedAt: at,
        who: command.data.who,
        where: command.data.where,
        why: command.data.why,
        when: command.data.when,
        policyVersion: 1,
      },
    };
  };

  it('takes the credited points back, newest lot first, while the balance still holds them', () => {
    const history = [lot('2026-09', 100), lot('2026-11', 500)];
    given(history).when(reverseBonus('g-7', 300, at)).then([reversed(300, 300, [{ month: '2026-11', points: 300 }], 300)]);
    const after = account([...history, reversed(300, 300, [{ month: '2026-11', points: 300 }], 300)]);
    expect([after.balancePoints, after.lots]).toEqual([300, [{ month: '2026-09', points: 100 }, { month: '2026-11', points: 200 }]]);
  });

  it("takes the points back from the lot the bonus went into, not the customer's own newer points", () => {
    const credited = given([]).when(credit('g-7', 500, '2026-03-10T18:00:00.000Z')).decision() as LoyaltyEvent[];
    expect(credited.map((e) => e.type)).toEqual(['BonusPointsCredited']);
    const history = [...credited, lot('2026-11', 500)];
    given(history).when(reverseBonus('g-7', 500, at)).then([reversed(500, 500, [{ month: '2026-03', points: 500 }], 500)]);
    expect(account([...history, reversed(500, 500, [{ month: '2026-03', points: 500 }], 500)]).lots).toEqual([{ month: '2026-11', points: 500 }]);
    // Part of the bonus's lot already redeemed (oldest first): what is left of it, then the newest for the rest.
    const redeemed = given(history).when(redeem(300, '2026-11-20T18:00:00.000Z')).decision() as LoyaltyEvent[];
    given([...history, ...redeemed]).when(reverseBonus('g-7', 500, at)).then([reversed(500, 500, [{ month: '2026-03', points: 200 }, { month: '2026-11', points: 300 }], 200)]);
  });

  it('takes what is left when the customer already spent part, and records the rest as unrecovered', () => {
    const history = [lot('2026-10', 30), lot('2026-11', 10)];
    given(history).when(reverseBonus('g-7', 500, at)).then([reversed(500, 40, [{ month: '2026-10', points: 30 }, { month: '2026-11', points: 10 }], 0)]);
    expect(account([...history, reversed(500, 40, [{ month: '2026-10', points: 30 }, { month: '2026-11', points: 10 }], 0)]).balancePoints).toBe(0);
  });

  it('records the whole bonus as unrecovered when nothing is left, never going below zero', () => {
    given([lot('2026-11', 50), { ...redeem(50, '2026-11-20T18:00:00.000Z'), type: 'PointsRedeemed', schemaVersion: 2, data: { ...redeem(50, '2026-11-20T18:00:00.000Z').data, fromLots: [{ month: '2026-11', points: 50 }], balanceAfter: 0, policyVersion: 1 } } as LoyaltyEvent])
      .when(reverseBonus('g-7', 500, at))
      .then([reversed(500, 0, [], 0)]);
  });

  it('takes back once per gesture', () => {
    const history = [lot('2026-11', 500), reversed(300, 300, [{ month: '2026-11', points: 300 }], 200)];
    given(history).when(reverseBonus('g-7', 300, at)).thenNothingHappened();
    expect(account(history).balancePoints).toBe(200);
  });

  it('does not let expired points pay back the bonus', () => {
    const later = '2028-01-10T18:00:00.000Z';
    const decision = given([lot('2026-11', 500)]).when(reverseBonus('g-7', 300, later)).decision() as LoyaltyEvent[];
    expect(decision.map((e) => e.type)).toEqual(['PointsExpired', 'BonusPointsReversed']);
    expect(decision[1]!.data).toMatchObject({ points: 0, unrecoveredPoints: 300, balanceAfter: 0 });
  });
});

describe('events recorded at an older schema version', () => {
  it('reads a redemption and feedback of version 1 (before they carried the policy version) as version 2 with policyVersion null, and decides on them as before', () => {
    const { policyVersion: _redeemedUnder, ...redeemedV1 } = redeemedData(150, [{ month: '2026-01', points: 100 }, { month: '2026-02', points: 50 }], 50);
    const { policyVersion: _feedbackUnder, ...feedbackV1 } = { ...feedback().data, policyVersion: 1 };
    const stored = [{ type: 'PointsRedeemed', schemaVersion: 1, data: redeemedV1 }, { type: 'FeedbackReceived', schemaVersion: 1, data: feedbackV1 }].map(upcastLoyaltyEvent);
    expect(stored).toEqual([
      { type: 'PointsRedeemed', schemaVersion: 2, data: { ...redeemedV1, policyVersion: null } },
      { type: 'FeedbackReceived', schemaVersion: 2, data: { ...feedbackV1, policyVersion: null } },
    ]);
    const at = '2026-11-23T18:00:00.000Z';
    given([lot('2026-01', 100), lot('2026-02', 100), stored[0]!]).when(redeem(150, at)).thenNothingHappened();
    given([stored[1]!]).when(feedback()).thenNothingHappened();
    const current = { type: 'PointsEarned', schemaVersion: 1, data: { customerId: carol } };
    expect(upcastLoyaltyEvent(current)).toBe(current);
  });

  it('reads a purchase of version 1 (before purchases said who) as version 2 with who null, not a guess, and decides on it as before', () => {
    const { who: _served, ...purchasedV1 } = purchaseRecorded('p-1', 1_000, '2026-11', '2026-11-23T18:00:00.000Z').data;
    const stored = upcastLoyaltyEvent({ type: 'PurchaseRecorded', schemaVersion: 1, data: purchasedV1 });
    expect(stored).toEqual({ type: 'PurchaseRecorded', schemaVersion: 2, data: { ...purchasedV1, who: null } });
    expect(account([stored]).spend).toEqual([{ month: '2026-11', spentMinor: 1_000 }]);
    // No caller could name an employee at version 1: a retry naming nobody is the same purchase, one naming someone is not.
    given([stored]).when(purchase('p-1', 1_000, '2026-11-23T18:00:00.000Z', { who: { employeeId: null, actorId: 'till-sm-07' } })).thenNothingHappened();
    given([stored]).when(purchase('p-1', 1_000, '2026-11-23T18:00:00.000Z')).thenRefused('idempotency_key_reused');
    const current = purchaseRecorded('p-2', 1_000, '2026-11', '2026-11-23T18:00:00.000Z');
    expect(upcastLoyaltyEvent(current)).toBe(current);
  });
});

describe('RecordFeedback', () => {
  it('records a CSAT answer linked to the gesture and employee it is about', () => {
    given([]).when(feedback()).then([{ type: 'FeedbackReceived', schemaVersion: 2, data: { ...feedback().data, policyVersion: 1 } }]);
  });

  it('accepts a complaint without a score', () => {
    const command = feedback({ kind: 'complaint', score: null, comment: 'Nobody called back' });
    given([]).when(command).then([{ type: 'FeedbackReceived', schemaVersion: 2, data: { ...command.data, policyVersion: 1 } }]);
  });

  it('refuses feedback dated ahead of the clock beyond its skew tolerance, and takes it within', () => {
    given([]).when(feedback({ occurredAt: '2026-11-24T19:00:01.000Z' })).thenRefused('occurred_in_future');
    given([]).when(feedback({ occurredAt: '9999-12-31T23:00:00.000Z' })).thenRefused('occurred_in_future');
    const withinSkew = feedback({ occurredAt: '2026-11-24T18:00:30.000Z' });
    given([]).when(withinSkew).then([{ type: 'FeedbackReceived', schemaVersion: 2, data: { ...withinSkew.data, policyVersion: 1 } }]);
  });

  it('refuses a CSAT answer without a score, or out of 1..5', () => {
    given([]).when(feedback({ score: null })).thenRefused('invalid_score');
    given([]).when(feedback({ score: 6 })).thenRefused('invalid_score');
    given([]).when(feedback({ score: 0 })).thenRefused('invalid_score');
    given([]).when(feedback({ kind: 'compliment', score: 4.5 })).thenRefused('invalid_score');
  });

  it('returns nothing for feedback already recorded, its comment or time retyped included', () => {
    const recorded = [{ type: 'FeedbackReceived', schemaVersion: 2, data: { ...feedback().data, policyVersion: 1 } } as const];
    given(recorded).when(feedback()).thenNothingHappened();
    given(recorded).when(feedback({ comment: 'Alice sorted it out', recordedAt: '2026-11-25T09:00:00.000Z' })).thenNothingHappened();
  });

  it('refuses other feedback under an id already used: another score, kind, gesture or employee', () => {
    const recorded = [{ type: 'FeedbackReceived', schemaVersion: 2, data: { ...feedback().data, policyVersion: 1 } } as const];
    for (const other of [{ score: 1 }, { kind: 'complaint' as const, score: null }, { gestureId: 'g-2' }, { employeeId: 'emp-bob' }]) {
      given(recorded).when(feedback(other)).thenRefused('idempotency_key_reused');
    }
  });
});

describe('points under random histories', () => {
  it.each([11, 12, 13])('seed %i: the balance never goes below zero and always equals earned − redeemed − expired', (seed) => {
    const random = seededRandom(seed);
    let state: LoyaltyState = initialLoyaltyState();
    let nowMs = Date.parse('2025-01-01T18:00:00.000Z');
    let earned = 0;
    let spentPoints = 0;
    let refusedRedemptions = 0;
    for (let step = 0; step < 2_000; step += 1) {
      nowMs += between(random, 0, 3 * 24 * 60) * 60_000;
      const at = new Date(nowMs).toISOString();
      const roll = random();
      const command =
        roll < 0.4 ? purchase(`p-${step}`, between(random, 1, 30_000), new Date(nowMs - between(random, 0, 40) * 86_400_000).toISOString(), { recordedAt: at })
        : roll < 0.5 ? credit(`g-${step % 300}`, between(random, 1, 500), at)
        : roll < 0.9 ? redeem(between(random, 1, 400), at, `red-${step}`)
        : expirePoints(at.slice(0, 10), at);
      const decision = decideLoyalty(command, state, policy);
      if (isRefusal(decision)) {
        expect(decision.reason).toBe('insufficient_points');
        refusedRedemptions += 1;
        continue;
      }
      for (const event of decision) {
        if (event.type === 'PointsEarned' || event.type === 'BonusPointsCredited') earned += event.data.points;
        if (event.type === 'PointsRedeemed' || event.type === 'PointsExpired') spentPoints += event.data.points;
        state = evolveLoyalty(state, event);
      }
      if (state.status === 'active') {
        expect(state.balancePoints).toBeGreaterThanOrEqual(0);
        expect(state.balancePoints).toBe(earned - spentPoints);
        expect(state.lots.length).toBeLessThanOrEqual(policy.loyalty.pointsExpireAfterMonths + 2);
      }
    }
    expect(refusedRedemptions).toBeGreaterThan(0);
  });
});

function redeemedData(points: number, fromLots: { month: string; points: number }[], balanceAfter = 0) {
  const command = redeem(points, '2026-11-23T18:00:00.000Z');
  return { customerId: carol, redemptionId: 'red-1', points, fromLots, balanceAfter, who: command.data.who, where: command.data.where, occurredAt: command.data.occurredAt, recordedAt: command.data.recordedAt, policyVersion: 1 };
}
