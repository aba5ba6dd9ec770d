import { Module, type DynamicModule } from '@nestjs/common';
import type { EventStore } from '#event-store';
import { FinanceViews, liveSchema, type ReadModelReader } from '#projections';
import { FinanceController } from './finance.controller.js';
import { RecognitionController } from './recognition.controller.js';
import { FINANCE_EVENT_STORE, FINANCE_VIEWS } from './tokens.js';

export interface FinanceApiDependencies {
  /** The read-model database the projector writes (the same `SqlDriver`). */
  readModels: ReadModelReader;
  /** The log the audit recomputes the journal from. */
  eventStore: EventStore;
  /** `read_models` unless a test keeps its own. */
  schema?: string;
}

/** Finance's views and recognition. Authentication comes from `HttpEdgeModule`, imported once by the app. */
@Module({})
export class FinanceApiModule {
  static forRoot(deps: FinanceApiDependencies): DynamicModule {
    return {
      module: FinanceApiModule,
      controllers: [FinanceController, RecognitionController],
      providers: [
        { provide: FINANCE_VIEWS, useValue: new FinanceViews(deps.readModels, deps.schema ?? liveSchema) },
        { provide: FINANCE_EVENT_STORE, useValue: deps.eventStore },
      ],
    };
  }
}
