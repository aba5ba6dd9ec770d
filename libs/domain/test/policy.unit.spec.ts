import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification, isRefusal, policyDecider, policyFieldProblems, policyProblems, samplePolicy, type Policy, type PolicyPublished } from '#domain';
import { policyWith } from './budget-fixtures.js';

const given = DeciderSpecification.for(policyDecider, undefined);
const publishedAt = '2026-11-01T12:00:00.000Z';

function publish(policy: Policy) {
  return { type: 'PublishPolicy' as const, data: { policy, publishedBy: 'svc-policy-admin', recordedAt: publishedAt } };
}

function published(policy: Policy): PolicyPublished {
  return { type: 'PolicyPublished', schemaVersion: 1, data: { ...policy, publishedBy: 'svc-policy-admin', publishedAt } };
}

const version2 = policyWith((p) => {
  p.version = 2;
  p.roles.associate.allowanceMinor = 25_000;
});

describe('policyProblems', () => {
  it('finds nothing wrong with the sample policy', () => {
    expect(policyProblems(samplePolicy())).toEqual([]);
  });

  const broken: [string, (p: Parameters<Parameters<typeof policyWith>[0]>[0]) => void, string][] = [
    ['auto-approval above the cap', (p) => { p.roles.associate.autoApproveUpToMinor = 6_000; }, 'roles.associate.autoApproveUpToMinor must not exceed capPerGestureMinor'],
    ['a cap above the per-customer cap', (p) => { p.roles.associate.capPerGestureMinor = 8_000; }, 'roles.associate.capPerGestureMinor must not exceed capPerCustomerPerPeriodMinor'],
    ['a per-customer cap above the allowance', (p) => { p.roles.associate.capPerCustomerPerPeriodMinor = 30_000; p.roles.associate.capPerGestureMinor = 5_000; }, 'roles.associate.capPerCustomerPerPeriodMinor must not exceed allowanceMinor'],
    ['an approver below the role', (p) => { p.roles.supervisor.approverRole = 'associate'; }, 'roles.supervisor.approverRole must be null or a role above supervisor'],
    ['an approver equal to the role', (p) => { p.roles.supervisor.approverRole = 'supervisor'; }, 'roles.supervisor.approverRole must be null or a role above supervisor'],
    ['a top role whose auto-approval is below its cap', (p) => { p.roles.manager.autoApproveUpToMinor = 1_000; }, 'roles.manager.autoApproveUpToMinor must equal capPerGestureMinor when there is no approverRole'],
    ['a float amount', (p) => { p.roles.associate.allowanceMinor = 200.5; }, 'roles.associate.allowanceMinor must be a non-negative integer of minor units'],
    ['a missing role', (p) => { delete (p.roles as Partial<typeof p.roles>).manager; }, 'roles.manager is missing'],
    ['a zero TTL', (p) => { p.roles.associate.escalationTtlMinutes = 0; }, 'roles.associate.escalationTtlMinutes must be 1..10080'],
    ['an unknown time zone', (p) => { p.stores['la-santa-monica']!.timeZone = 'America/Springfield'; }, 'stores.la-santa-monica.timeZone America/Springfield is not an IANA time zone'],
    ['no stores', (p) => { p.stores = {}; }, 'stores must name at least one store'],
    ...['zürich-hb', 'nyc/5th', '', `s-${'x'.repeat(64)}`].map((id): (typeof broken)[number] => [
      `a store id no request could name (${JSON.stringify(id)})`,
      (p) => { p.stores[id] = p.stores['la-santa-monica']!; },
      `stores.${id} is not a valid store id: must be 1-64 letters, digits or _.:@- and start with a letter or digit`,
    ]),
    ['an unknown currency', (p) => { p.currency = 'XXY'; }, 'currency XXY is not an ISO-4217 code'],
    ['a zero point value', (p) => { p.pointValueMinor = 0; }, 'pointValueMinor must be a positive integer of minor units, at most 1000000'],
    ['a point value whose products with point counts could overflow', (p) => { p.pointValueMinor = 1_000_001; }, 'pointValueMinor must be a positive integer of minor units, at most 1000000'],
    ['an earning rate whose products with amounts could overflow', (p) => { p.loyalty.earnPointsPerMajorUnit = 10_001; }, 'loyalty.earnPointsPerMajorUnit must be a non-negative integer, at most 10000'],
    ['a missing gesture type', (p) => { delete (p.catalogue as Partial<typeof p.catalogue>).gift; }, 'catalogue.gift is missing'],
    ['bonus points costed in money', (p) => { p.catalogue.bonus_loyalty_points.costKind = 'money'; }, 'catalogue.bonus_loyalty_points.costKind must be points'],
    ['no channels', (p) => { p.catalogue.gift.allowedChannels = []; }, 'catalogue.gift.allowedChannels must list distinct known channels'],
    ['a required reason code with no codes listed', (p) => { p.catalogue.gift.allowedReasonCodes = []; }, 'catalogue.gift.allowedReasonCodes must not be empty when a reason code is required'],
    ['tiers not starting at zero', (p) => { p.loyalty.tiers[0]!.minSpend12mMinor = 100; }, 'loyalty.tiers[0].minSpend12mMinor must be 0 so every customer has a tier'],
    ['tiers not rising', (p) => { p.loyalty.tiers[2]!.minSpend12mMinor = 50_000; }, 'loyalty.tiers must rise strictly by minSpend12mMinor'],
    ['points that never expire', (p) => { p.loyalty.pointsExpireAfterMonths = 0; }, 'loyalty.pointsExpireAfterMonths must be 1..120'],
  ];
  it.each(broken)('reports %s', (_, breakIt, problem) => {
    expect(policyProblems(policyWith(breakIt))).toContain(problem);
  });

  it('reports a document that is not an object instead of crashing', () => {
    expect(policyProblems(null as unknown as Policy)).toEqual(['policy must be an object']);
  });
});

describe('policyFieldProblems', () => {
  it('names a field the policy does not have, at every depth, and nothing else', () => {
    const withExtras = policyWith((p) => {
      Object.assign(p, { approvedBy: 'cfo' });
      Object.assign(p.stores['chicago-loop']!, { manager: 'mgr-1' });
      Object.assign(p.roles.associate, { extra: 1 });
      Object.assign(p.catalogue.gift, { maxPerDay: 3 });
      Object.assign(p.loyalty, { currency: 'USD' });
      Object.assign(p.loyalty.tiers[1]!, { perks: [] });
    });
    expect(policyFieldProblems(withExtras)).toEqual(
      ['approvedBy', 'stores.chicago-loop.manager', 'roles.associate.extra', 'catalogue.gift.maxPerDay', 'loyalty.currency', 'loyalty.tiers[1].perks'].map((field) => ({ field, reason: 'is not a field of the policy' })),
    );
  });

  it('names the field apart from what is wrong with it; the sentences join the two', () => {
    const bad = policyWith((p) => {
      p.roles.associate.period = 'year' as never;
    });
    expect(policyFieldProblems(bad)).toEqual([{ field: 'roles.associate.period', reason: 'must be day, week or month' }]);
    expect(policyProblems(bad)).toEqual(['roles.associate.period must be day, week or month']);
  });

  it('reports a document that is not an object', () => {
    for (const notAPolicy of [null, [], 'policy', 1]) expect(policyFieldProblems(notAPolicy)).toEqual([{ field: 'policy', reason: 'must be an object' }]);
  });
});

describe('PublishPolicy', () => {
  describe('with no policy yet', () => {
    it('publishes version 1', () => {
      given([]).when(publish(samplePolicy())).then([published(samplePolicy())]);
    });

    it('refuses any other version', () => {
      given([]).when(publish(version2)).thenRefused('version_not_next', 'version must be 1');
    });

    it('refuses an invalid policy with every reason', () => {
      const bad = policyWith((p) => {
        p.roles.associate.autoApproveUpToMinor = 6_000;
        p.stores['la-santa-monica']!.timeZone = 'Nowhere/Town';
      });
      const decision = given([]).when(publish(bad)).decision();
      expect(decision).toMatchObject({ kind: 'refused', reason: 'invalid_policy' });
      expect(isRefusal(decision) && decision.details).toHaveLength(2);
    });
  });

  describe('with version 1 published', () => {
    it('publishes version 2', () => {
      given([published(samplePolicy())]).when(publish(version2)).then([published(version2)]);
    });

    it('returns nothing when version 1 is published again', () => {
      given([published(samplePolicy())]).when(publish(samplePolicy())).thenNothingHappened();
    });

    it('refuses a different version 1, and skipping ahead', () => {
      given([published(samplePolicy())]).when(publish(policyWith((p) => { p.currency = 'EUR'; }))).thenRefused('version_not_next');
      given([published(samplePolicy())]).when(publish(policyWith((p) => { p.version = 3; }))).thenRefused('version_not_next');
    });

    it('refuses a version without a store of the current one, naming each', () => {
      // Its staff's escalations and bonus points are still settled at that store, under the version in force then.
      const closed = policyWith((p) => {
        p.version = 2;
        delete p.stores['chicago-loop'];
        delete p.stores['web-support'];
      });
      const decision = given([published(samplePolicy())]).when(publish(closed)).decision();
      expect(decision).toMatchObject({ kind: 'refused', reason: 'store_removed' });
      expect(isRefusal(decision) && decision.details.map((detail) => detail.split(' ')[0])).toEqual(['stores.chicago-loop', 'stores.web-support']);
      const moved = policyWith((p) => {
        p.version = 2;
        p.stores['chicago-loop'] = { timeZone: 'America/Denver', region: 'us-mountain' };
      });
      given([published(samplePolicy())]).when(publish(moved)).then([published(moved)]);
    });

    it('folds to the latest policy', () => {
      expect(given([published(samplePolicy()), published(version2)]).state()).toEqual({ status: 'published', policy: version2, publishedAt });
    });
  });
});
