/** Injection tokens of the finance API. */
export const FINANCE_VIEWS = Symbol('FINANCE_VIEWS');
export const FINANCE_EVENT_STORE = Symbol('FINANCE_EVENT_STORE');
