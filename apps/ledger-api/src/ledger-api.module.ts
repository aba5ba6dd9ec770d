import { Module, type DynamicModule } from '@nestjs/common';
import type { GestureLedger } from '#ledger';
import { BudgetsController } from './budgets/budgets.controller.js';
import { GesturesController } from './gestures/gestures.controller.js';
import { LoyaltyController } from './loyalty/loyalty.controller.js';
import { PolicyController } from './policy/policy.controller.js';
import { GESTURE_LEDGER } from './tokens.js';

export interface LedgerApiDependencies {
  ledger: GestureLedger;
}

/** The command API: controllers are thin; every decision is the ledger's. Authentication comes from `HttpEdgeModule`. */
@Module({})
export class LedgerApiModule {
  static forRoot(deps: LedgerApiDependencies): DynamicModule {
    return {
      module: LedgerApiModule,
      controllers: [GesturesController, BudgetsController, LoyaltyController, PolicyController],
      providers: [{ provide: GESTURE_LEDGER, useValue: deps.ledger }],
      exports: [GESTURE_LEDGER],
    };
  }
}
