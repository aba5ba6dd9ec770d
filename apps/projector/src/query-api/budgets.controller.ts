import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Principal } from '#auth';
import { CurrentPrincipal, PartyIdParam, QueryChecks, unwrap, type FieldError } from '#http';
import type { ReadQueries } from '#projections';
import { boundedInteger, checked, optionalPeriodKey, periodCursor, queryCheck, type QueryValues } from './query-params.js';
import { READ_QUERIES } from './tokens.js';

const budgetPeriod = (query: QueryValues, errors: FieldError[]) => optionalPeriodKey(query.period, errors);
const periodsPage = (query: QueryValues, errors: FieldError[]) => ({ limit: boundedInteger('limit', query.limit, 31, 100, errors), ...periodCursor(query.before, query.beforePeriod, errors) });

@ApiTags('read models')
@ApiBearerAuth()
@Controller('read/employees/:employeeId/budget')
export class BudgetsReadController {
  constructor(@Inject(READ_QUERIES) private readonly queries: ReadQueries) {}

  @Get()
  @ApiOperation({ summary: "One period of an employee's discretion budget (unless `period` names one: the current one for their role, which a gesture now would charge, with its whole allowance before the first gesture in it): allowance, spent, reserved, remaining, gestures by type, escalations pending. The employee, supervisors and managers of their store, finance, admin." })
  @ApiQuery({ name: 'period', required: false, description: 'period key: 2026-11-23, 2026-W48 or 2026-11' })
  @QueryChecks(queryCheck(budgetPeriod))
  async budget(@PartyIdParam('employeeId') employeeId: string, @Query('period') period: string | undefined, @CurrentPrincipal() principal: Principal) {
    const errors: FieldError[] = [];
    return unwrap(await this.queries.budget(principal, employeeId, checked(errors, budgetPeriod({ period }, errors))));
  }

  @Get('periods')
  @ApiOperation({ summary: "An employee's current and past periods, newest first by end date then key (page with `before` and `beforePeriod`, the endsOn and periodKey of the last one seen)" })
  @ApiQuery({ name: 'limit', required: false, description: '1-100, default 31' })
  @ApiQuery({ name: 'before', required: false, description: 'the endsOn of the last period seen; alone, only periods ending before this ISO date' })
  @ApiQuery({ name: 'beforePeriod', required: false, description: 'with `before`: the periodKey of the last period seen, so periods ending that same day are not passed over' })
  @QueryChecks(queryCheck(periodsPage))
  async periods(
    @PartyIdParam('employeeId') employeeId: string,
    @Query('limit') limit: string | undefined,
    @Query('before') before: string | undefined,
    @Query('beforePeriod') beforePeriod: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    const errors: FieldError[] = [];
    const page = checked(errors, periodsPage({ limit, before, beforePeriod }, errors));
    return unwrap(await this.queries.budgetPeriods(principal, employeeId, page));
  }
}
