import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, loadOperationsSettings } from './settings.js';

describe('operations settings', () => {
  it('has working defaults with no configuration at all: CORS off, metrics open, limits that let the benchmark through', () => {
    expect(loadOperationsSettings({})).toEqual({
      logLevel: 'info',
      metricsToken: null,
      rateLimit: { windowSeconds: 10, requestsPerWindow: 3_000, systemRequestsPerWindow: 200_000 },
      corsOrigins: [],
      trustProxy: false,
      healthCheckTimeoutMs: 2_000,
      shutdownTimeoutMs: 20_000,
      operationsPort: 3002,
    });
  });

  it('reads every variable', () => {
    const settings = loadOperationsSettings({
      LOG_LEVEL: 'warn',
      METRICS_TOKEN: 'a-long-enough-token',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      RATE_LIMIT_REQUESTS: '100',
      RATE_LIMIT_SYSTEM_REQUESTS: '5000',
      CORS_ORIGINS: 'https://desk.example.com, http://localhost:5173',
      TRUST_PROXY: 'true',
      HEALTH_CHECK_TIMEOUT_MS: '500',
      SHUTDOWN_TIMEOUT_MS: '5000',
      OPERATIONS_PORT: '9100',
    });
    expect(settings).toMatchObject({ logLevel: 'warn', metricsToken: 'a-long-enough-token', rateLimit: { windowSeconds: 60, requestsPerWindow: 100, systemRequestsPerWindow: 5000 }, corsOrigins: ['https://desk.example.com', 'http://localhost:5173'], trustProxy: true, healthCheckTimeoutMs: 500, shutdownTimeoutMs: 5000, operationsPort: 9100 });
  });

  it.each([
    ['LOG_LEVEL', 'loud', /must be one of/],
    ['METRICS_TOKEN', 'short', /at least 16 characters/],
    ['RATE_LIMIT_REQUESTS', '0', /integer from 1/],
    ['RATE_LIMIT_WINDOW_SECONDS', '1.5', /integer from 1 to 3600/],
    ['CORS_ORIGINS', '*', /not an origin/],
    ['CORS_ORIGINS', 'https://desk.example.com/path', /not an origin/],
    ['CORS_ORIGINS', 'ftp://desk.example.com', /not an origin/],
    ['TRUST_PROXY', 'yes', /false, true, or the proxies' addresses/],
    ['SHUTDOWN_TIMEOUT_MS', '10', /integer from 1000/],
  ])('refuses %s=%j naming the variable', (variable, value, reason) => {
    let error: unknown;
    try {
      loadOperationsSettings({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).variable).toBe(variable);
    expect((error as Error).message).toMatch(new RegExp(`^${variable}: `));
    expect((error as Error).message).toMatch(reason);
  });
});
