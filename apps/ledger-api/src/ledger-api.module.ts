import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { TokenVerifier } from '#auth';
import type { GestureLedger } from '#ledger';
import { AuthGuard } from './auth/auth.guard.js';
import { BudgetsController } from './budgets/budgets.controller.js';
import { GesturesController } from './gestures/gestures.controller.js';
import { HealthController } from './health.controller.js';
import { ErrorsFilter } from './http/errors.filter.js';
import { LoyaltyController } from './loyalty/loyalty.controller.js';
import { PolicyController } from './policy/policy.controller.js';
import { GESTURE_LEDGER, TOKEN_VERIFIER } from './tokens.js';

export interface LedgerApiDependencies {
  ledger: GestureLedger;
  verifier: TokenVerifier;
}

/** The command API: controllers are thin; every decision is the ledger's. */
@Module({})
export class LedgerApiModule {
  static forRoot(deps: LedgerApiDependencies): DynamicModule {
    return {
      module: LedgerApiModule,
      controllers: [GesturesController, BudgetsController, LoyaltyController, PolicyController, HealthController],
      providers: [
        { provide: GESTURE_LEDGER, useValue: deps.ledger },
        { provide: TOKEN_VERIFIER, useValue: deps.verifier },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorsFilter },
      ],
      exports: [GESTURE_LEDGER],
    };
  }
}
