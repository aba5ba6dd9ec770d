import { assert } from './assert.js';
import { assertId, assertOptionalText } from './ids.js';
import { limits } from './limits.js';
import { isIsoInstant } from './time/instant.js';

export const channels = ['pos', 'call_center', 'front_desk', 'field_sales', 'web_chat'] as const;
export type Channel = (typeof channels)[number];

export function isChannel(value: string): value is Channel {
  return (channels as readonly string[]).includes(value);
}

/**
 * `employeeId` is the person accountable; `actorId` is the authenticated subject that sent the
 * command (a till, a CRM, the employee's own session). `employeeId` is null for systems acting alone.
 */
export interface Who {
  readonly employeeId: string | null;
  readonly actorId: string;
}

export interface Where {
  readonly channel: Channel;
  readonly storeId: string;
}

export interface Why {
  readonly reasonCode: string | null;
  readonly note: string | null;
}

/** `occurredAt` is the till's clock (possibly hours old for an offline upload); `recordedAt` is the server's. */
export interface When {
  readonly occurredAt: string;
  readonly recordedAt: string;
}

/** Carried by every gesture-related event so each one can be audited without reading any other. */
export interface GestureContext {
  readonly who: Who;
  readonly where: Where;
  readonly why: Why;
  readonly when: When;
  readonly policyVersion: number;
}

export function assertWho(who: Who, what: string): void {
  if (who.employeeId !== null) assertId(who.employeeId, `${what}.employeeId`);
  assertId(who.actorId, `${what}.actorId`);
}

export function assertWhere(where: Where): void {
  assert(isChannel(where.channel), `unknown channel ${where.channel}`);
  assertId(where.storeId, 'where.storeId');
}

export function assertWhy(why: Why): void {
  assertOptionalText(why.reasonCode, limits.reasonCodeLengthMax, 'why.reasonCode');
  assertOptionalText(why.note, limits.noteLengthMax, 'why.note');
}

export function assertWhen(when: When): void {
  assert(isIsoInstant(when.occurredAt), `when.occurredAt must be an ISO instant, got ${when.occurredAt}`);
  assert(isIsoInstant(when.recordedAt), `when.recordedAt must be an ISO instant, got ${when.recordedAt}`);
}
