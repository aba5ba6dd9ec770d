import { Module, type DynamicModule } from '@nestjs/common';
import type { ReadQueries } from '#projections';
import { BudgetsReadController } from './budgets.controller.js';
import { CustomersReadController } from './customers.controller.js';
import type { ProjectorStatus } from './projector-status.js';
import { QueueReadController } from './queue.controller.js';
import { StatusController } from './status.controller.js';
import { PROJECTION_STATUS, READ_QUERIES } from './tokens.js';

export interface QueryApiDependencies {
  queries: ReadQueries;
  status: () => Promise<ProjectorStatus>;
}

/** The query API over the read models. Authentication comes from `HttpEdgeModule`, imported once by the app's root module. */
@Module({})
export class QueryApiModule {
  static forRoot(deps: QueryApiDependencies): DynamicModule {
    return {
      module: QueryApiModule,
      controllers: [BudgetsReadController, QueueReadController, CustomersReadController, StatusController],
      providers: [
        { provide: READ_QUERIES, useValue: deps.queries },
        { provide: PROJECTION_STATUS, useValue: deps.status },
      ],
    };
  }
}
