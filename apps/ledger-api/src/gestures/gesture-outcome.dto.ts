import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { staffRoles, type GestureStatus } from '#domain';
import { MoneyDto } from '../http/money.dto.js';

/** Keyed by the domain's type, so a status added there fails to compile here until documented. */
const gestureStatuses = Object.keys({ granted: 0, pending: 0, approved: 0, denied: 0, expired: 0, reversed: 0 } satisfies Record<GestureStatus['status'], 0>);

/** The documented shape of a gesture's answer: granted, escalated (with its reservation) or refused. */
export class GestureOutcomeDto {
  @ApiProperty({ enum: ['granted', 'escalated', 'refused'] })
  outcome!: string;
  @ApiProperty({ description: 'routes approve/deny/reverse to the right budget' })
  gestureId!: string;
  @ApiPropertyOptional({ type: MoneyDto, description: 'what the budget was charged (granted)' })
  cost?: MoneyDto;
  @ApiPropertyOptional({ description: 'reservation held until a supervisor decides (escalated)' })
  reservationId?: string;
  @ApiPropertyOptional({ type: MoneyDto, description: 'what is held until then (escalated)' })
  reserved?: MoneyDto;
  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'bonus points of a bonus_loyalty_points gesture, null for money (granted, escalated)' })
  points?: number | null;
  @ApiPropertyOptional({ enum: staffRoles, description: 'who may decide it (escalated)' })
  approverRole?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'when the reservation is released if nobody decides (escalated)' })
  expiresAt?: string;
  @ApiPropertyOptional({ description: 'machine-readable refusal reason (refused)' })
  reason?: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'the budget period charged; null when refused before a period was found', example: '2026-11-23' })
  periodKey!: string | null;
  @ApiPropertyOptional({ enum: gestureStatuses, description: 'where the gesture stands now (granted, escalated)' })
  status?: string;
}
