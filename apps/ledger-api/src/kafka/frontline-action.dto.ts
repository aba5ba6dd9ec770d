import { Matches } from 'class-validator';
import { edge } from '../http/edge-rules.js';
import { ApproveGestureDto, DecisionNoteDto } from '../gestures/decide-gesture.dto.js';
import { RedeemPointsDto } from '../loyalty/loyalty.dto.js';

/** `<employeeId>~<uuid>`, as the ledger answers it. */
const gestureIdPattern = new RegExp(`${edge.partyId.source.slice(0, -1)}~[0-9a-f-]{36}$`);
const gestureIdMessage = 'gestureId must be the id a gesture was answered with (<employeeId>~<uuid>)';

/** The HTTP API takes the gesture from the path; a message carries it in its body. */
export class ApproveGestureMessageDto extends ApproveGestureDto {
  @Matches(gestureIdPattern, { message: gestureIdMessage })
  gestureId!: string;
}

export class DecideGestureMessageDto extends DecisionNoteDto {
  @Matches(gestureIdPattern, { message: gestureIdMessage })
  gestureId!: string;
}

export class RedeemPointsMessageDto extends RedeemPointsDto {
  @Matches(edge.partyId, { message: 'customerId must be 1-64 letters, digits or _.:@-' })
  customerId!: string;
}
