import { ApiProperty } from '@nestjs/swagger';
import { staffRoles } from '#domain';

export class BudgetPeriodDto {
  @ApiProperty({ description: 'the day, ISO week or month of the period in the home store', example: '2026-11-23' })
  periodKey!: string;
  @ApiProperty({ type: 'integer' })
  allowanceMinor!: number;
  @ApiProperty({ type: 'integer' })
  spentMinor!: number;
  @ApiProperty({ type: 'integer', description: 'held by escalations nobody has decided yet' })
  reservedMinor!: number;
  @ApiProperty({ type: 'integer', description: 'allowance - spent - reserved' })
  remainingMinor!: number;
}

export class PendingEscalationDto {
  @ApiProperty()
  gestureId!: string;
  @ApiProperty()
  customerId!: string;
  @ApiProperty({ type: 'integer' })
  reservedMinor!: number;
  @ApiProperty({ format: 'date-time', description: 'when the reservation is released if nobody decides' })
  expiresAt!: string;
}

/** An employee's budget as of now, from the write side. */
export class BudgetViewDto {
  @ApiProperty()
  employeeId!: string;
  @ApiProperty({ enum: staffRoles })
  role!: string;
  @ApiProperty({ description: 'home store' })
  storeId!: string;
  @ApiProperty({ example: 'USD' })
  currency!: string;
  @ApiProperty({ type: [BudgetPeriodDto], description: 'periods still open to late uploads, oldest first' })
  periods!: BudgetPeriodDto[];
  @ApiProperty({ type: BudgetPeriodDto, description: 'the period a gesture given now would charge, with its full allowance remaining when none was given in it yet' })
  current!: BudgetPeriodDto;
  @ApiProperty({ type: [PendingEscalationDto] })
  pendingEscalations!: PendingEscalationDto[];
}
