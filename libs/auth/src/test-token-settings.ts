import type { TokenSettings } from './tokens.js';

/** The signing settings every in-process API test mints and verifies its tokens with (never a deployment's). */
export const testTokenSettings: TokenSettings = { hs256Secret: 'test-secret-test-secret-test-secret-0123', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
