import { describe, expect, it } from '@jest/globals';

/**
 * Runs `suite` when the backend's environment variable is set. When it is not, the suite is reported
 * as not exercised by a test that fails under `REQUIRE_INFRA=1` (CI), so a missing backend can never
 * pass silently there.
 */
export function withBackend(variable: string, what: string, suite: (value: string) => void, requireVariable = 'REQUIRE_INFRA'): void {
  const value = process.env[variable];
  if (value) {
    suite(value);
    return;
  }
  describe(`${what} (not exercised: ${variable} is not set)`, () => {
    it(`is allowed to be missing only when ${requireVariable} is not 1`, () => {
      console.warn(`${what} not exercised: ${variable} is not set`);
      expect(process.env[requireVariable]).not.toBe('1');
    });
  });
}
