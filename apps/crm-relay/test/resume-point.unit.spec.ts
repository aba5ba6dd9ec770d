import { describe, expect, it } from '@jest/globals';
import { START, type Position } from '#event-store';
import { resumePoint } from '../src/resume-point.js';

const at = (n: number): Position => ({ commit: BigInt(n), prepare: BigInt(n) });

describe('resumePoint', () => {
  it('is the own checkpoint when no other layout got further', () => {
    expect(resumePoint('crm', at(50), [{ name: 'crm', position: at(50) }])).toEqual(at(50));
    expect(resumePoint('crm', START, [])).toBe(START);
  });

  it('starts the shards of a new layout where the unsharded relay stopped', () => {
    const family = [
      { name: 'crm', position: at(40) },
      { name: 'crm.shard-0-of-2', position: START },
      { name: 'crm.shard-1-of-2', position: START },
    ];
    expect(resumePoint('crm', START, family)).toEqual(at(40));
  });

  it('starts a new layout at the earliest checkpoint of the previous one, not at the old unsharded one', () => {
    const family = [
      { name: 'crm', position: at(40) },
      { name: 'crm.shard-0-of-2', position: at(90) },
      { name: 'crm.shard-1-of-2', position: at(75) },
      { name: 'crm.shard-2-of-3', position: START },
    ];
    expect(resumePoint('crm', START, family)).toEqual(at(75));
    // Back to one relay: its own checkpoint is older than what the shards published together.
    expect(resumePoint('crm', at(40), family)).toEqual(at(75));
  });

  it('never goes back behind the own checkpoint', () => {
    const family = [
      { name: 'crm.shard-0-of-2', position: at(30) },
      { name: 'crm.shard-1-of-2', position: at(35) },
      { name: 'crm.shard-0-of-3', position: at(60) },
      { name: 'crm.shard-1-of-3', position: at(64) },
      { name: 'crm.shard-2-of-3', position: START },
    ];
    expect(resumePoint('crm', at(64), family)).toEqual(at(64));
  });

  it('ignores a layout with a shard missing, and checkpoints of other relays that share the prefix', () => {
    const family = [
      { name: 'crm.shard-0-of-3', position: at(80) },
      { name: 'crm.shard-1-of-3', position: at(85) },
      { name: 'crm.eu', position: at(500) },
      { name: 'crm.eu.shard-0-of-2', position: at(500) },
      { name: 'crm.shard-5-of-2', position: at(500) },
      { name: 'crm.shard-0-of-1', position: at(500) },
    ];
    expect(resumePoint('crm', START, family)).toBe(START);
  });
});
