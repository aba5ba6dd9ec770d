import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { BadRequestException } from '@nestjs/common';
import { gestureIdFor } from '#ledger';
import { GestureIdPipe, PartyIdPipe } from './path-ids.js';

const param = (data: string) => ({ type: 'param' as const, data });

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return { status: (error as BadRequestException).getStatus(), body: (error as BadRequestException).getResponse() };
  }
  throw new Error('expected a refusal');
}

describe('path id pipes', () => {
  it('pass an employee or customer id through, and refuse one that cannot be an id, naming the path field', () => {
    const pipe = new PartyIdPipe();
    expect(pipe.transform('emp-7', param('employeeId'))).toBe('emp-7');
    for (const bad of ['', '\u0000', '-emp', 'emp~7', 'emp 7', 'e'.repeat(65)]) {
      expect({ bad, ...(refusal(() => pipe.transform(bad, param('customerId'))) as object) }).toEqual({
        bad,
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', message: 'validation failed', errors: [{ field: 'customerId', reasons: ['customerId must be 1-64 letters, digits or _.:@- and start with a letter or digit'] }] },
      });
    }
  });

  it('pass a gesture id the ledger answered through, and refuse anything else, naming the path field', () => {
    const pipe = new GestureIdPipe();
    const id = gestureIdFor('emp-7', 'till-1:42');
    expect(pipe.transform(id, param('gestureId'))).toBe(id);
    for (const bad of ['emp-7', `${id}x`, `~${id.split('~')[1]}`, id.toUpperCase(), '\u0000']) {
      expect({ bad, ...(refusal(() => pipe.transform(bad, param('gestureId'))) as object) }).toEqual({
        bad,
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', message: 'validation failed', errors: [{ field: 'gestureId', reasons: ['gestureId must be a gesture id: <employeeId>~<uuid>'] }] },
      });
    }
  });
});
