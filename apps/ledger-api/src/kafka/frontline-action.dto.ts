import { Matches } from 'class-validator';
import { edge } from '../http/edge-rules.js';
import { ApproveGestureDto, DecisionNoteDto } from '../gestures/decide-gesture.dto.js';
import { RedeemPointsDto } from '../loyalty/loyalty.dto.js';

/** The HTTP API takes the gesture from the path; a message carries it in its body. */
export class ApproveGestureMessageDto extends ApproveGestureDto {
  @Matches(edge.gestureId, { message: edge.gestureIdMessage })
  gestureId!: string;
}

export class DecideGestureMessageDto extends DecisionNoteDto {
  @Matches(edge.gestureId, { message: edge.gestureIdMessage })
  gestureId!: string;
}

export class RedeemPointsMessageDto extends RedeemPointsDto {
  @Matches(edge.partyId, { message: edge.partyIdMessage })
  customerId!: string;
}
