import { limits } from '#domain';
import type { ValidationArguments } from 'class-validator';
import { gestureIdPattern, partyIdPattern, partyIdRule } from '#ledger';

/** Bounds shared by every DTO, taken from the domain's own limits so the edge rejects first. */
export const edge = {
  partyId: partyIdPattern,
  partyIdMessage: ({ property }: ValidationArguments) => `${property} must be ${partyIdRule}`,
  gestureId: gestureIdPattern,
  gestureIdMessage: 'gestureId must be a gesture id: <employeeId>~<uuid>',
  idempotencyKey: /^[\x21-\x7e]{1,128}$/,
  currency: /^[A-Z]{3}$/,
  reasonCodeLengthMax: limits.reasonCodeLengthMax,
  noteLengthMax: limits.noteLengthMax,
  commentLengthMax: limits.commentLengthMax,
  pointsMax: limits.pointsPerCommandMax,
  /** One hundred million major units: far above any gesture, far below unsafe integers. */
  amountMinorMax: 10_000_000_000,
  batchItemsMax: 500,
} as const;
