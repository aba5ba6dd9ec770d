import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Principal } from '#auth';
import { CurrentPrincipal, unwrap, type FieldError } from '#http';
import type { ReadQueries } from '#projections';
import { boundedInteger, checked, optionalIsoDate, optionalPeriodKey, partyId } from './query-params.js';
import { READ_QUERIES } from './tokens.js';

@ApiTags('read models')
@ApiBearerAuth()
@Controller('read/employees/:employeeId/budget')
export class BudgetsReadController {
  constructor(@Inject(READ_QUERIES) private readonly queries: ReadQueries) {}

  @Get()
  @ApiOperation({ summary: "One period of an employee's discretion budget (the latest unless `period` names one): allowance, spent, reserved, remaining, gestures by type, escalations pending. The employee, supervisors and managers of their store, finance, admin." })
  @ApiQuery({ name: 'period', required: false, description: 'period key: 2026-11-23, 2026-W48 or 2026-11' })
  async budget(@Param('employeeId') employeeId: string, @Query('period') period: string | undefined, @CurrentPrincipal() principal: Principal) {
    const errors: FieldError[] = [];
    const args = checked(errors, { employeeId: partyId('employeeId', employeeId, errors), period: optionalPeriodKey(period, errors) });
    return unwrap(await this.queries.budget(principal, args.employeeId, args.period));
  }

  @Get('periods')
  @ApiOperation({ summary: "An employee's current and past periods, newest first (page with `before`, the endsOn of the last one seen)" })
  @ApiQuery({ name: 'limit', required: false, description: '1-100, default 31' })
  @ApiQuery({ name: 'before', required: false, description: 'only periods ending before this ISO date' })
  async periods(@Param('employeeId') employeeId: string, @Query('limit') limit: string | undefined, @Query('before') before: string | undefined, @CurrentPrincipal() principal: Principal) {
    const errors: FieldError[] = [];
    const args = checked(errors, {
      employeeId: partyId('employeeId', employeeId, errors),
      limit: boundedInteger('limit', limit, 31, 100, errors),
      before: optionalIsoDate('before', before, errors),
    });
    return unwrap(await this.queries.budgetPeriods(principal, args.employeeId, { limit: args.limit, before: args.before }));
  }
}
