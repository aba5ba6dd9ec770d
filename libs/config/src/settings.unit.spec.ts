import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, loadSettings } from './settings.js';

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
