/** Injection tokens: the module picks implementations by these, so swapping one is one line. */
export const GESTURE_LEDGER = Symbol('GestureLedger');

export const EVENT_STORE = Symbol('EventStore');
