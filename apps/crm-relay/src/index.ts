export { CrmRelay, type CrmRelayOptions, type CrmRelayStats } from './crm-relay.js';
export { PartyStates, defaultPartyStatesLimits, partyStatesLimits, type PartyStatesLimits } from './party-states.js';
export { stateMessage } from './state-messages.js';
export { startCrmRelay, type RunningCrmRelay } from './start-crm-relay.js';
