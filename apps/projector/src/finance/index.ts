import type { DynamicModule } from '@nestjs/common';
import type { Storage } from '#config';
import { FinanceApiModule } from './finance-api.module.js';

export { FinanceApiModule, type FinanceApiDependencies } from './finance-api.module.js';

/**
 * The finance API over a process's storage, to add to an app's `modules` (the projector service's
 * `startProjector({ modules })`, or the all-in-one main's `createLedgerApp({ modules })`).
 */
export function financeApiModule(storage: Pick<Storage, 'store' | 'readModels'>): DynamicModule {
  return FinanceApiModule.forRoot({ readModels: storage.readModels, eventStore: storage.store });
}
