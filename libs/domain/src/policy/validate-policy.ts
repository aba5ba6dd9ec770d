import { isChannel } from '../context.js';
import { partyIdPattern, partyIdRule } from '../ids.js';
import { limits } from '../limits.js';
import { isKnownCurrency } from '../money.js';
import { isRoleAbove, isStaffRole, staffRoles, type StaffRole } from '../staff/roles.js';
import { isValidTimeZone } from '../time/calendar.js';
import { periodKinds } from '../time/periods.js';
import { gestureTypes, pointsGestureType, type GestureTypeRule } from './catalogue.js';
import { tierNames, type LoyaltyRule, type Policy, type RoleRule, type StoreRule, type TierRule } from './policy.js';

/** One problem with a policy document: the dotted path of the field it is about, and what is wrong with it. */
export interface PolicyProblem {
  readonly field: string;
  readonly reason: string;
}

/** Every problem with a policy document, as sentences naming the field; empty when it is sound. */
export function policyProblems(policy: Policy): string[] {
  return policyFieldProblems(policy).map(({ field, reason }) => `${field} ${reason}`);
}

/**
 * Every problem with a policy document, field by field; empty when it is sound. Policies arrive as
 * JSON from an admin tool, so each check tolerates any shape instead of asserting, and a field the
 * policy does not have, at any depth, is a problem: it would be published and kept for ever.
 */
export function policyFieldProblems(policy: unknown): PolicyProblem[] {
  if (!isRecord(policy)) return [problem('policy', 'must be an object')];
  return [
    ...unknownFields(policy, policyFields, ''),
    ...documentProblems(policy),
    ...storeProblems(policy),
    ...roleProblems(policy),
    ...catalogueProblems(policy),
    ...loyaltyProblems(policy),
  ];
}

/** The fields of each part of a policy, checked against its type so that a field added there is known here. */
const fieldsOf = <T>(fields: Record<keyof T, true>): readonly string[] => Object.keys(fields);
const policyFields = fieldsOf<Policy>({ version: true, currency: true, pointValueMinor: true, stores: true, roles: true, catalogue: true, loyalty: true });
const storeFields = fieldsOf<StoreRule>({ timeZone: true, region: true });
const roleFields = fieldsOf<RoleRule>({ period: true, allowanceMinor: true, capPerGestureMinor: true, capPerCustomerPerPeriodMinor: true, autoApproveUpToMinor: true, approverRole: true, escalationTtlMinutes: true });
const gestureTypeFields = fieldsOf<GestureTypeRule>({ costKind: true, allowedChannels: true, reasonCodeRequired: true, noteRequired: true, regulated: true, allowedReasonCodes: true });
const loyaltyFields = fieldsOf<LoyaltyRule>({ earnPointsPerMajorUnit: true, tiers: true, pointsExpireAfterMonths: true });
const tierFields = fieldsOf<TierRule>({ name: true, minSpend12mMinor: true });

const problem = (field: string, reason: string): PolicyProblem => ({ field, reason });
const isCount = (n: unknown, min = 0): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= min;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const reasonCodeShape = /^[a-z][a-z0-9_]*$/;

function unknownFields(record: Record<string, unknown>, known: readonly string[], at: string): PolicyProblem[] {
  return Object.keys(record)
    .filter((key) => !known.includes(key))
    .map((key) => problem(at ? `${at}.${key}` : key, 'is not a field of the policy'));
}

function documentProblems(policy: Record<string, unknown>): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (!isCount(policy.version, 1)) problems.push(problem('version', 'must be a positive integer'));
  if (!isKnownCurrency(policy.currency as string)) problems.push(problem('currency', `${String(policy.currency)} is not an ISO-4217 code`));
  if (!isCount(policy.pointValueMinor, 1) || policy.pointValueMinor > limits.pointValueMinorMax) problems.push(problem('pointValueMinor', `must be a positive integer of minor units, at most ${limits.pointValueMinorMax}`));
  return problems;
}

function storeProblems(policy: Record<string, unknown>): PolicyProblem[] {
  if (!isRecord(policy.stores)) return [problem('stores', 'must be an object keyed by store id')];
  const entries = Object.entries(policy.stores);
  if (entries.length === 0) return [problem('stores', 'must name at least one store')];
  if (entries.length > limits.storesPerPolicyMax) return [problem('stores', `must hold at most ${limits.storesPerPolicyMax} stores`)];
  return entries.flatMap(([storeId, store]) => {
    const at = `stores.${storeId}`;
    const problems: PolicyProblem[] = [];
    // As every request names a store: a store the edge would refuse to name could never be used.
    if (!partyIdPattern.test(storeId)) problems.push(problem(at, `is not a valid store id: must be ${partyIdRule}`));
    if (!isRecord(store)) return [...problems, problem(at, 'must be an object')];
    problems.push(...unknownFields(store, storeFields, at));
    if (!isValidTimeZone(store.timeZone as string)) problems.push(problem(`${at}.timeZone`, `${String(store.timeZone)} is not an IANA time zone`));
    if (typeof store.region !== 'string' || store.region.length === 0) problems.push(problem(`${at}.region`, 'must be named'));
    return problems;
  });
}

function roleProblems(policy: Record<string, unknown>): PolicyProblem[] {
  const roles = policy.roles;
  if (!isRecord(roles)) return [problem('roles', 'must be an object keyed by role')];
  const unknown = Object.keys(roles).filter((role) => !isStaffRole(role)).map((role) => problem(`roles.${role}`, 'is not a staff role'));
  return [...unknown, ...staffRoles.flatMap((role) => oneRoleProblems(roles, role))];
}

function oneRoleProblems(roles: Record<string, unknown>, role: StaffRole): PolicyProblem[] {
  const rule: unknown = Object.hasOwn(roles, role) ? roles[role] : undefined;
  const at = `roles.${role}`;
  if (!isRecord(rule)) return [problem(at, 'is missing')];
  const problems = unknownFields(rule, roleFields, at);
  if (!periodKinds.includes(rule.period as never)) problems.push(problem(`${at}.period`, 'must be day, week or month'));
  const amounts = ['allowanceMinor', 'capPerGestureMinor', 'capPerCustomerPerPeriodMinor', 'autoApproveUpToMinor'] as const;
  const badAmounts = amounts.filter((field) => !isCount(rule[field]));
  problems.push(...badAmounts.map((field) => problem(`${at}.${field}`, 'must be a non-negative integer of minor units')));
  if (badAmounts.length === 0) {
    const [allowance, capPerGesture, capPerCustomer, autoApprove] = amounts.map((field) => rule[field] as number);
    if (autoApprove! > capPerGesture!) problems.push(problem(`${at}.autoApproveUpToMinor`, 'must not exceed capPerGestureMinor'));
    if (capPerGesture! > capPerCustomer!) problems.push(problem(`${at}.capPerGestureMinor`, 'must not exceed capPerCustomerPerPeriodMinor'));
    if (capPerCustomer! > allowance!) problems.push(problem(`${at}.capPerCustomerPerPeriodMinor`, 'must not exceed allowanceMinor'));
    // Without an approver the band between auto-approval and the cap could never be granted.
    if (rule.approverRole === null && autoApprove !== capPerGesture) problems.push(problem(`${at}.autoApproveUpToMinor`, 'must equal capPerGestureMinor when there is no approverRole'));
  }
  if (rule.approverRole !== null && !(isStaffRole(rule.approverRole as string) && isRoleAbove(rule.approverRole as StaffRole, role))) {
    problems.push(problem(`${at}.approverRole`, `must be null or a role above ${role}`));
  }
  if (!isCount(rule.escalationTtlMinutes, 1) || (rule.escalationTtlMinutes as number) > limits.escalationTtlMinutesMax) {
    problems.push(problem(`${at}.escalationTtlMinutes`, `must be 1..${limits.escalationTtlMinutesMax}`));
  }
  return problems;
}

function catalogueProblems(policy: Record<string, unknown>): PolicyProblem[] {
  const catalogue = policy.catalogue;
  if (!isRecord(catalogue)) return [problem('catalogue', 'must be an object keyed by gesture type')];
  const unknown = Object.keys(catalogue).filter((type) => !(gestureTypes as readonly string[]).includes(type)).map((type) => problem(`catalogue.${type}`, 'is not a gesture type'));
  return [
    ...unknown,
    ...gestureTypes.flatMap((type) => {
      const rule: unknown = Object.hasOwn(catalogue, type) ? catalogue[type] : undefined;
      const at = `catalogue.${type}`;
      if (!isRecord(rule)) return [problem(at, 'is missing')];
      const problems = unknownFields(rule, gestureTypeFields, at);
      const expectedCost = type === pointsGestureType ? 'points' : 'money';
      if (rule.costKind !== expectedCost) problems.push(problem(`${at}.costKind`, `must be ${expectedCost}`));
      for (const flag of ['reasonCodeRequired', 'noteRequired', 'regulated'] as const) {
        if (typeof rule[flag] !== 'boolean') problems.push(problem(`${at}.${flag}`, 'must be true or false'));
      }
      const channels = rule.allowedChannels;
      if (!Array.isArray(channels) || channels.length === 0 || !channels.every((c) => isChannel(c as string)) || new Set(channels).size !== channels.length) {
        problems.push(problem(`${at}.allowedChannels`, 'must list distinct known channels'));
      }
      const codes = rule.allowedReasonCodes;
      if (!Array.isArray(codes) || codes.length > limits.reasonCodesPerGestureTypeMax || !codes.every((c) => typeof c === 'string' && c.length <= limits.reasonCodeLengthMax && reasonCodeShape.test(c)) || new Set(codes).size !== codes.length) {
        problems.push(problem(`${at}.allowedReasonCodes`, `must list at most ${limits.reasonCodesPerGestureTypeMax} distinct snake_case codes`));
      } else if (rule.reasonCodeRequired === true && codes.length === 0) {
        problems.push(problem(`${at}.allowedReasonCodes`, 'must not be empty when a reason code is required'));
      }
      return problems;
    }),
  ];
}

function loyaltyProblems(policy: Record<string, unknown>): PolicyProblem[] {
  const loyalty = policy.loyalty;
  if (!isRecord(loyalty)) return [problem('loyalty', 'must be an object')];
  const problems = unknownFields(loyalty, loyaltyFields, 'loyalty');
  if (!isCount(loyalty.earnPointsPerMajorUnit) || loyalty.earnPointsPerMajorUnit > limits.earnPointsPerMajorUnitMax) problems.push(problem('loyalty.earnPointsPerMajorUnit', `must be a non-negative integer, at most ${limits.earnPointsPerMajorUnitMax}`));
  if (!isCount(loyalty.pointsExpireAfterMonths, 1) || (loyalty.pointsExpireAfterMonths as number) > limits.pointsExpireAfterMonthsMax) {
    problems.push(problem('loyalty.pointsExpireAfterMonths', `must be 1..${limits.pointsExpireAfterMonthsMax}`));
  }
  const tiers = loyalty.tiers;
  if (!Array.isArray(tiers) || tiers.length === 0 || tiers.length > limits.tiersMax) return [...problems, problem('loyalty.tiers', `must list 1..${limits.tiersMax} tiers`)];
  tiers.forEach((tier: unknown, i) => {
    const at = `loyalty.tiers[${i}]`;
    if (!isRecord(tier) || !(tierNames as readonly string[]).includes(tier.name as string) || !isCount(tier.minSpend12mMinor)) {
      problems.push(problem(at, 'must have a known name and a non-negative minSpend12mMinor'));
    }
    if (isRecord(tier)) problems.push(...unknownFields(tier, tierFields, at));
  });
  if (problems.length > 0) return problems;
  const typed = tiers as { name: string; minSpend12mMinor: number }[];
  if (typed[0]!.minSpend12mMinor !== 0) problems.push(problem('loyalty.tiers[0].minSpend12mMinor', 'must be 0 so every customer has a tier'));
  if (typed.some((tier, i) => i > 0 && tier.minSpend12mMinor <= typed[i - 1]!.minSpend12mMinor)) problems.push(problem('loyalty.tiers', 'must rise strictly by minSpend12mMinor'));
  if (new Set(typed.map((t) => t.name)).size !== typed.length) problems.push(problem('loyalty.tiers', 'names must be distinct'));
  return problems;
}
