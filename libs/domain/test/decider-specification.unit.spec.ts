import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification, InvariantViolation, refuse, SpecificationFailed, type Decider } from '#domain';

/** A counter that refuses to go below zero and crashes on a negative step: just enough to test the helper. */
type Event = { type: 'Added'; by: number };
type Command = { type: 'Add'; by: number };
const counter: Decider<number, Command, Event, 'would_go_negative'> = {
  initialState: () => 0,
  decide: (command, state) => {
    if (!Number.isInteger(command.by)) throw new InvariantViolation('by must be an integer');
    if (state + command.by < 0) return refuse('would_go_negative', [`state is ${state}`]);
    return command.by === 0 ? [] : [{ type: 'Added', by: command.by }];
  },
  evolve: (state, event) => state + event.by,
};
const given = DeciderSpecification.for(counter, undefined);
const add = (by: number): Command => ({ type: 'Add', by });

describe('DeciderSpecification', () => {
  it('passes when the events match and fails when they differ', () => {
    given([{ type: 'Added', by: 1 }]).when(add(2)).then([{ type: 'Added', by: 2 }]);
    expect(() => given([]).when(add(2)).then([{ type: 'Added', by: 3 }])).toThrow(SpecificationFailed);
    expect(() => given([]).when(add(-1)).then([])).toThrow(SpecificationFailed);
  });

  it('checks that nothing happened', () => {
    given([]).when(add(0)).thenNothingHappened();
    expect(() => given([]).when(add(1)).thenNothingHappened()).toThrow(SpecificationFailed);
  });

  it('checks the refusal reason and details, and fails on events', () => {
    given([{ type: 'Added', by: 1 }]).when(add(-2)).thenRefused('would_go_negative', 'state is 1');
    expect(() => given([]).when(add(-1)).thenRefused('would_go_negative', 'state is 7')).toThrow(SpecificationFailed);
    expect(() => given([]).when(add(1)).thenRefused('would_go_negative')).toThrow(SpecificationFailed);
  });

  it('checks the thrown error, and fails when nothing is thrown', () => {
    given([]).when(add(0.5)).thenThrows(InvariantViolation, 'integer');
    expect(() => given([]).when(add(0.5)).thenThrows(SpecificationFailed)).toThrow(SpecificationFailed);
    expect(() => given([]).when(add(0.5)).thenThrows(InvariantViolation, /negative/)).toThrow(SpecificationFailed);
    expect(() => given([]).when(add(1)).thenThrows()).toThrow(SpecificationFailed);
  });

  it('compares events regardless of key order', () => {
    given([]).when(add(2)).then([{ by: 2, type: 'Added' } as Event]);
  });
});
