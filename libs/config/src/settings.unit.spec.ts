import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, loadSettings } from './settings.js';
import { openStorage } from './open-storage.js';

const base = { JWT_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp/gl-settings-spec' };

describe('loadSettings: the embedded store', () => {
  it("gives PGlite a 64 MB page cache unless EMBEDDED_SHARED_BUFFERS_MB says otherwise", () => {
    expect(loadSettings(base).embeddedSharedBuffersMb).toBe(64);
    expect(loadSettings({ ...base, EMBEDDED_SHARED_BUFFERS_MB: '16' }).embeddedSharedBuffersMb).toBe(16);
  });

  it.each(['0', '1.5', 'lots', '5000'])('refuses EMBEDDED_SHARED_BUFFERS_MB=%j naming the variable', (value) => {
    expect(() => loadSettings({ ...base, EMBEDDED_SHARED_BUFFERS_MB: value })).toThrow(ConfigurationError);
    expect(() => loadSettings({ ...base, EMBEDDED_SHARED_BUFFERS_MB: value })).toThrow(/^EMBEDDED_SHARED_BUFFERS_MB: /);
  });
});

describe('loadSettings: projections:rebuild', () => {
  it('lets the rebuild catch up 20 times unless PROJECTOR_REBUILD_CATCH_UP_ROUNDS says otherwise, and refuses nonsense naming it', () => {
    expect(loadSettings(base).projector.rebuildCatchUpRoundsMax).toBe(20);
    expect(loadSettings({ ...base, PROJECTOR_REBUILD_CATCH_UP_ROUNDS: '60' }).projector.rebuildCatchUpRoundsMax).toBe(60);
    for (const value of ['0', '2.5', 'many']) expect(() => loadSettings({ ...base, PROJECTOR_REBUILD_CATCH_UP_ROUNDS: value })).toThrow(/^PROJECTOR_REBUILD_CATCH_UP_ROUNDS: /);
  });
});

describe('loadSettings: EventStoreDB', () => {
  const esdb = { ...base, EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://eventstoredb:2113?tls=false' };

  it('starts the processes that never open the read models without a PostgreSQL URL (the ledger API, the relay)', () => {
    expect(loadSettings(esdb).projector.readModelDatabaseUrl).toBeNull();
    expect(loadSettings({ ...esdb, DATABASE_URL: 'postgresql://db/gl' }).projector.readModelDatabaseUrl).toBe('postgresql://db/gl');
  });

  it('refuses to open the read models without one, naming READ_MODEL_DATABASE_URL, before connecting to anything', async () => {
    await expect(openStorage(loadSettings(esdb))).rejects.toThrow(ConfigurationError);
    await expect(openStorage(loadSettings(esdb))).rejects.toThrow(/^READ_MODEL_DATABASE_URL: required when EVENT_STORE=eventstoredb/);
  });
});

describe('loadSettings: TRUST_PROXY', () => {
  const trust = (value: string) => loadSettings({ ...base, TRUST_PROXY: value }).operations.trustProxy;

  it('believes nobody by default, every hop for true, else the proxies named by address or range', () => {
    expect(loadSettings(base).operations.trustProxy).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust('10.0.0.0/8, 127.0.0.1,fd00::/8,uniquelocal')).toEqual(['10.0.0.0/8', '127.0.0.1', 'fd00::/8', 'uniquelocal']);
  });

  it.each(['yes', '10.0.0.0/33', '10.0.0/8', 'proxy.internal', '10.0.0.1/8/1', '::1/129', ''.padEnd(3, ',')])('refuses TRUST_PROXY=%j naming the variable', (value) => {
    expect(() => trust(value)).toThrow(/^TRUST_PROXY: /);
  });
});

describe('loadSettings: the token secret in production', () => {
  const production = { NODE_ENV: 'production', DATA_DIR: '/tmp/gl-settings-spec' };

  it("refuses an example's placeholder or a secret of too few distinct characters, naming JWT_SECRET", () => {
    for (const secret of ['replace-with-at-least-32-random-bytes-base64', 'change-me-change-me-change-me-change-me', 'x'.repeat(40), 'abababababababababababababababab']) {
      expect(() => loadSettings({ ...production, JWT_SECRET: secret })).toThrow(/^JWT_SECRET: /);
    }
  });

  it('takes a random one, and leaves development settings to the length check alone', () => {
    expect(loadSettings({ ...production, JWT_SECRET: '3f9a1c07d2b84e6f5a0c9e8d7b6a5f4e3d2c1b0a9f8e7d6c' }).jwt.hs256Secret).toHaveLength(48);
    expect(loadSettings(base).jwt.hs256Secret).toBe('x'.repeat(32));
  });

  it('bounds token lifetimes at 24 h unless JWT_MAX_LIFETIME_S says otherwise', () => {
    expect(loadSettings(base).jwt.maxLifetimeSeconds).toBe(86_400);
    expect(loadSettings({ ...base, JWT_MAX_LIFETIME_S: '3600' }).jwt.maxLifetimeSeconds).toBe(3_600);
    expect(() => loadSettings({ ...base, JWT_MAX_LIFETIME_S: '0' })).toThrow(/^JWT_MAX_LIFETIME_S: /);
  });
});
