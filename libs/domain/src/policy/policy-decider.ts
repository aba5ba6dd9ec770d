import { assert, unreachable } from '../assert.js';
import type { Decider, DomainCommand, DomainEvent } from '../decider.js';
import { refuse, type Decision } from '../decision.js';
import { assertId } from '../ids.js';
import { samePlainData } from '../plain-data.js';
import { parseInstant } from '../time/instant.js';
import { storeOf, type Policy } from './policy.js';
import { policyProblems } from './validate-policy.js';

/** The whole organisation has one policy history; its versions are the stream's events. */
export const policyStreamName = 'policy';

export type PublishPolicy = DomainCommand<'PublishPolicy', { readonly policy: Policy; readonly publishedBy: string; readonly recordedAt: string }>;
export type PolicyCommand = PublishPolicy;

/** The data is the policy document itself plus who published it and when. */
export type PolicyPublished = DomainEvent<'PolicyPublished', Policy & { readonly publishedBy: string; readonly publishedAt: string }>;
export type PolicyEvent = PolicyPublished;

export type PolicyRefusalReason = 'invalid_policy' | 'version_not_next' | 'store_removed';

export type PolicyState =
  | { readonly status: 'unpublished' }
  | { readonly status: 'published'; readonly policy: Policy; readonly publishedAt: string };

export const initialPolicyState = (): PolicyState => ({ status: 'unpublished' });

export function decidePolicy(command: PolicyCommand, state: PolicyState): Decision<PolicyEvent, PolicyRefusalReason> {
  switch (command.type) {
    case 'PublishPolicy':
      return publish(command, state);
    default:
      return unreachable(command.type, 'policy command');
  }
}

function publish(command: PublishPolicy, state: PolicyState): Decision<PolicyEvent, PolicyRefusalReason> {
  const { policy, publishedBy, recordedAt } = command.data;
  assertId(publishedBy, 'publishedBy');
  parseInstant(recordedAt, 'recordedAt');
  const currentVersion = state.status === 'published' ? state.policy.version : 0;
  // A retried publish of the version already current is a no-op, not a conflict.
  if (state.status === 'published' && samePlainData(policy, state.policy)) return [];
  if (policy?.version !== currentVersion + 1) {
    return refuse('version_not_next', [`version must be ${currentVersion + 1}, got ${String(policy?.version)}`]);
  }
  const problems = policyProblems(policy);
  if (problems.length > 0) return refuse('invalid_policy', problems);
  // Escalations, bonus points and their reversals are settled at the gesture's store, looked up in the policy then in force.
  const removed = state.status === 'published' ? Object.keys(state.policy.stores).filter((storeId) => storeOf(policy, storeId) === undefined) : [];
  if (removed.length > 0) return refuse('store_removed', removed.map((storeId) => `stores.${storeId} is in version ${currentVersion}; a store stays once published`));
  return [{ type: 'PolicyPublished', schemaVersion: 1, data: { ...policy, publishedBy, publishedAt: recordedAt } }];
}

export function evolvePolicy(state: PolicyState, event: PolicyEvent): PolicyState {
  switch (event.type) {
    case 'PolicyPublished': {
      const { publishedBy: _by, publishedAt, ...policy } = event.data;
      const previous = state.status === 'published' ? state.policy.version : 0;
      assert(policy.version === previous + 1, `policy version ${policy.version} does not follow ${previous}`);
      return { status: 'published', policy, publishedAt };
    }
    default:
      return unreachable(event.type, 'policy event');
  }
}

export const policyDecider: Decider<PolicyState, PolicyCommand, PolicyEvent, PolicyRefusalReason> = {
  initialState: initialPolicyState,
  decide: decidePolicy,
  evolve: evolvePolicy,
};
