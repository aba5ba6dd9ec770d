import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The documented shape of a gesture's answer: granted, escalated (with its reservation) or refused. */
export class GestureOutcomeDto {
  @ApiProperty({ enum: ['granted', 'escalated', 'refused'] })
  outcome!: string;
  @ApiProperty({ description: 'routes approve/deny/reverse to the right budget' })
  gestureId!: string;
  @ApiPropertyOptional({ description: 'what the budget was charged (granted)' })
  cost?: { amountMinor: number; currency: string };
  @ApiPropertyOptional({ description: 'reservation held until a supervisor decides (escalated)' })
  reservationId?: string;
  @ApiPropertyOptional()
  reserved?: { amountMinor: number; currency: string };
  @ApiPropertyOptional()
  approverRole?: string;
  @ApiPropertyOptional({ description: 'when the reservation is released if nobody decides' })
  expiresAt?: string;
  @ApiPropertyOptional({ description: 'machine-readable refusal reason (refused)' })
  reason?: string;
  @ApiPropertyOptional()
  periodKey?: string | null;
  @ApiPropertyOptional({ description: 'where the gesture stands now' })
  status?: string;
}
