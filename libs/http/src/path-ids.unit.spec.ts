import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Body, type BadRequestException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import { IsInt, Min } from 'class-validator';
import { gestureIdFor } from '#ledger';
import { GestureIdParam, PartyIdParam, QueryChecks } from './path-ids.js';

class DecisionDto {
  @IsInt()
  @Min(1)
  amountMinor!: number;
}

const periodCheck = (query: Readonly<Record<string, string | undefined>>) => (query.period === undefined || /^\d{4}-\d{2}$/.test(query.period) ? [] : [{ field: 'period', reasons: ['period must be a month'] }]);

class Routes {
  customer(@PartyIdParam('customerId') _customerId: string) {}
  @QueryChecks(periodCheck)
  budget(@PartyIdParam('employeeId') _employeeId: string) {}
  decide(@GestureIdParam('gestureId') _gestureId: string, @Body() _dto: DecisionDto) {}
}

function guardOf(route: keyof Routes): CanActivate {
  return (Reflect.getMetadata(GUARDS_METADATA, Routes.prototype[route]) as CanActivate[])[0]!;
}

const request = (params: Record<string, string>, body?: unknown, query: Record<string, string> = {}) => ({ switchToHttp: () => ({ getRequest: () => ({ params, body, query }) }) }) as unknown as ExecutionContext;

function answer(route: keyof Routes, params: Record<string, string>, body?: unknown, query?: Record<string, string>): unknown {
  try {
    return guardOf(route).canActivate(request(params, body, query));
  } catch (error) {
    return { status: (error as BadRequestException).getStatus(), body: (error as BadRequestException).getResponse() };
  }
}

const refused = (errors: Array<{ field: string; reasons: unknown[] }>) => ({ status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'validation failed', errors } });
const partyRule = 'customerId must be 1-64 letters, digits or _.:@- and start with a letter or digit';
const gestureRule = 'gestureId must be a gesture id: <employeeId>~<uuid>';

describe('path id decorators', () => {
  it('let an employee or customer id through, and refuse one that cannot be an id, naming the path field', () => {
    expect(answer('customer', { customerId: 'emp-7' })).toBe(true);
    for (const bad of ['', '\u0000', '-emp', 'emp~7', 'emp 7', 'e'.repeat(65)]) {
      expect({ bad, answer: answer('customer', { customerId: bad }) }).toEqual({ bad, answer: refused([{ field: 'customerId', reasons: [partyRule] }]) });
    }
  });

  it('let a gesture id the ledger answered through, and refuse anything else, naming the path field', () => {
    const id = gestureIdFor('emp-7', 'till-1:42');
    expect(answer('decide', { gestureId: id }, { amountMinor: 1 })).toBe(true);
    for (const bad of ['emp-7', `${id}x`, `~${id.split('~')[1]}`, id.toUpperCase(), '\u0000']) {
      expect({ bad, answer: answer('decide', { gestureId: bad }, { amountMinor: 1 }) }).toEqual({ bad, answer: refused([{ field: 'gestureId', reasons: [gestureRule] }]) });
    }
  });

  it('name every bad body field beside a bad path id, and leave a good id with a bad body to the body pipe', () => {
    expect(answer('decide', { gestureId: 'not-an-id' }, { amountMinor: 0, extra: 1 })).toEqual(
      refused([
        { field: 'gestureId', reasons: [gestureRule] },
        { field: 'extra', reasons: ['property extra should not exist'] },
        { field: 'amountMinor', reasons: ['amountMinor must not be less than 1'] },
      ]),
    );
    expect(answer('decide', { gestureId: 'not-an-id' }, null)).toEqual(refused([{ field: 'gestureId', reasons: [gestureRule] }, { field: 'body', reasons: ['the body must be a JSON object'] }]));
    expect(answer('decide', { gestureId: gestureIdFor('emp-7', 'till-1:42') }, { amountMinor: 0 })).toBe(true);
  });

  it("name the handler's bad query values beside a bad path id, and leave a good id with a bad query to the handler", () => {
    const employeeRule = 'employeeId must be 1-64 letters, digits or _.:@- and start with a letter or digit';
    expect(answer('budget', { employeeId: '-emp' }, undefined, { period: 'yesterday' })).toEqual(
      refused([
        { field: 'employeeId', reasons: [employeeRule] },
        { field: 'period', reasons: ['period must be a month'] },
      ]),
    );
    expect(answer('budget', { employeeId: '-emp' }, undefined, { period: '2026-11' })).toEqual(refused([{ field: 'employeeId', reasons: [employeeRule] }]));
    expect(answer('budget', { employeeId: 'emp-7' }, undefined, { period: 'yesterday' })).toBe(true);
  });
});
