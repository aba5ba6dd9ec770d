import type { GestureLedger, RequestContext, Result } from '#ledger';
import type { FieldError } from '#http';
import { oneOfAmountOrPoints } from '../gestures/gestures.controller.js';
import { RequestGestureDto } from '../gestures/request-gesture.dto.js';
import { RecordFeedbackDto, RecordPurchaseDto } from '../loyalty/loyalty.dto.js';
import { ApproveGestureMessageDto, DecideGestureMessageDto, RedeemPointsMessageDto } from './frontline-action.dto.js';

/**
 * Every action a frontline system may send over Kafka: the DTO that validates its `data` (the same
 * class-validator rules as the HTTP body) and the ledger call it becomes (the same one the HTTP
 * controller makes). Idempotency comes with the data: `idempotencyKey`, `purchaseId`, `feedbackId`,
 * `redemptionId`, or the gesture id for decisions, so a redelivered message appends nothing.
 */
interface FrontlineAction<Dto extends object> {
  dto: new () => Dto;
  /** Rules across fields that the DTO's decorators cannot say. */
  check?: (dto: Dto) => FieldError[];
  run: (ledger: GestureLedger, dto: Dto, ctx: RequestContext) => Promise<Result<unknown>>;
}

const action = <Dto extends object>(a: FrontlineAction<Dto>) => a as unknown as FrontlineAction<object>;

export const frontlineActions: Record<string, FrontlineAction<object>> = {
  'gesture.requested': action({ dto: RequestGestureDto, check: oneOfAmountOrPoints, run: (l, d, c) => l.requestGesture(d, c) }),
  'gesture.approved': action({ dto: ApproveGestureMessageDto, run: (l, { gestureId, ...d }, c) => l.approveGesture(gestureId, d, c) }),
  'gesture.denied': action({ dto: DecideGestureMessageDto, run: (l, { gestureId, ...d }, c) => l.denyGesture(gestureId, d, c) }),
  'gesture.reversed': action({ dto: DecideGestureMessageDto, run: (l, { gestureId, ...d }, c) => l.reverseGesture(gestureId, d, c) }),
  'purchase.recorded': action({ dto: RecordPurchaseDto, run: (l, d, c) => l.recordPurchase(d, c) }),
  'feedback.recorded': action({ dto: RecordFeedbackDto, run: (l, d, c) => l.recordFeedback(d, c) }),
  'points.redeemed': action({ dto: RedeemPointsMessageDto, run: (l, d, c) => l.redeemPoints(d, c) }),
};

export const frontlineActionTypes = Object.keys(frontlineActions);
