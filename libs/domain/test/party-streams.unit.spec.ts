import { describe, expect, it } from '@jest/globals';
import { budgetStreamName, loyaltyStreamName, partyOfStream, policyStreamName } from '#domain';

describe('partyOfStream', () => {
  it("reads back the employee of a budget stream and the customer of a loyalty stream, whatever their id", () => {
    expect(partyOfStream(budgetStreamName('emp-7'))).toEqual({ kind: 'employee', id: 'emp-7' });
    expect(partyOfStream(loyaltyStreamName('cust-1042'))).toEqual({ kind: 'customer', id: 'cust-1042' });
    // An id that itself looks like a stream prefix is still just the id.
    expect(partyOfStream(budgetStreamName('customer-loyalty-9'))).toEqual({ kind: 'employee', id: 'customer-loyalty-9' });
  });

  it('names no party for the policy or the services own streams', () => {
    expect(partyOfStream(policyStreamName)).toBeNull();
    expect(partyOfStream('escalation-expiry-snapshots')).toBeNull();
    expect(partyOfStream('discretion-budget')).toBeNull();
  });
});
