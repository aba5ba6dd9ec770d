import { Controller, Get, Inject, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import type { Principal } from '#auth';
import type { EventStore } from '#event-store';
import { CurrentPrincipal, validationFailed } from '#http';
import { spendBuckets, spendDimensions, SpendReportTooLarge, type FinanceViews } from '#projections';
import { assertFinanceReader, parseQuery, periodDaysMax } from './finance-request.js';
import { FINANCE_EVENT_STORE, FINANCE_VIEWS } from './tokens.js';

const periodQueries = [
  ApiQuery({ name: 'from', required: true, description: 'ISO-8601 instant, inclusive (occurrence time)' }),
  ApiQuery({ name: 'to', required: true, description: 'ISO-8601 instant, exclusive' }),
  ApiQuery({ name: 'asOf', required: false, description: 'show only what had been recorded by this instant' }),
];
const withPeriod = (): MethodDecorator => (target, key, descriptor) => {
  for (const decorate of periodQueries) decorate(target, key, descriptor);
};

/** Finance's views of the journal: finance and admins only. Controllers only read parameters and check roles. */
@ApiTags('finance')
@ApiBearerAuth()
@Controller('finance')
export class FinanceController {
  constructor(
    @Inject(FINANCE_VIEWS) private readonly views: FinanceViews,
    @Inject(FINANCE_EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get('journal')
  @ApiOperation({ summary: 'One ledger line per gesture opened in the period: who, whom, what, how much, why, channel, store, policy version, approver, outcome' })
  @withPeriod()
  @ApiQuery({ name: 'storeId', required: false })
  @ApiQuery({ name: 'employeeId', required: false })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 100' })
  async journal(@Query() raw: Record<string, unknown>, @CurrentPrincipal() principal: Principal) {
    assertFinanceReader(principal);
    const filter = parseQuery(raw, (q) => ({
      ...q.period(periodDaysMax.journal),
      storeId: q.id('storeId'),
      employeeId: q.id('employeeId'),
      afterSeq: q.integer('cursor', 0, Number.MAX_SAFE_INTEGER, 0),
      limit: q.integer('limit', 1, 500, 100),
    }));
    return this.views.journal(filter);
  }

  @Get('spend')
  @ApiOperation({ summary: 'Posted spend (granted + approved − reversed) and pending reservations by day/week/month × store/region/employee/type/reason, per currency' })
  @withPeriod()
  @ApiQuery({ name: 'groupBy', required: true, enum: spendBuckets })
  @ApiQuery({ name: 'by', required: true, enum: spendDimensions })
  async spend(@Query() raw: Record<string, unknown>, @CurrentPrincipal() principal: Principal) {
    assertFinanceReader(principal);
    const { period, groupBy, by } = parseQuery(raw, (q) => {
      const groupBy = q.oneOf('groupBy', spendBuckets, null);
      return { period: q.period(groupBy === 'day' ? periodDaysMax.spendByDay : periodDaysMax.spend), groupBy, by: q.oneOf('by', spendDimensions, null) };
    });
    try {
      return await this.views.spend(period, groupBy!, by!);
    } catch (error) {
      if (error instanceof SpendReportTooLarge) throw validationFailed([{ field: 'by', reasons: [error.message] }]);
      throw error;
    }
  }

  @Get('export.csv')
  @ApiOperation({ summary: 'Every journal entry of the period as CSV, streamed; posted_minor sums to the spend total to the cent' })
  @ApiProduces('text/csv')
  @withPeriod()
  async exportCsv(@Query() raw: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<StreamableFile> {
    assertFinanceReader(principal);
    const period = parseQuery(raw, (q) => q.period(periodDaysMax.export));
    return new StreamableFile(Readable.from(this.views.exportCsv(period)), { type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="finance-journal.csv"' });
  }

  @Get('anomalies')
  @ApiOperation({ summary: 'Split gestures, favoured customers, amounts just under the approval threshold, peer outliers; each flag says why' })
  @withPeriod()
  async anomalies(@Query() raw: Record<string, unknown>, @CurrentPrincipal() principal: Principal) {
    assertFinanceReader(principal);
    const period = parseQuery(raw, (q) => q.period(periodDaysMax.anomalies));
    return { flags: await this.views.anomalies(period) };
  }

  @Get('audit/verify')
  @ApiOperation({ summary: 'Recompute the hash-chained journal from the event store; names the first line altered, removed, reordered or inserted' })
  async verify(@Query() raw: Record<string, unknown>, @CurrentPrincipal() principal: Principal) {
    assertFinanceReader(principal);
    parseQuery(raw, () => undefined);
    return this.views.verify(this.store);
  }
}
