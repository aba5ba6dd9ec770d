import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { TokenVerifier } from '#auth';
import { AuthGuard } from './auth.guard.js';
import { ErrorsFilter } from './errors.filter.js';
import { KnownQueryGuard } from './known-query.guard.js';
import { TOKEN_VERIFIER } from './tokens.js';

/**
 * What every HTTP service shares at its edge: bearer-token authentication on every route not marked
 * `@Public()`, no query parameter a documented route does not take (`KnownQueryGuard`), and one mapping of
 * errors to answers. Imported once by an app's root module, so a
 * process serving several APIs (the all-in-one main) authenticates each request once.
 */
@Module({})
export class HttpEdgeModule {
  static forRoot(verifier: TokenVerifier): DynamicModule {
    return {
      module: HttpEdgeModule,
      global: true,
      providers: [
        { provide: TOKEN_VERIFIER, useValue: verifier },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: KnownQueryGuard },
        { provide: APP_FILTER, useClass: ErrorsFilter },
      ],
      exports: [TOKEN_VERIFIER],
    };
  }
}
