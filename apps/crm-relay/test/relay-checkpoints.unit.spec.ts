import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, loadSettings } from '#config';
import { FileCheckpointStore } from '#messaging';
import { openRelayCheckpoints } from '../src/relay-checkpoints.js';

describe('the relay checkpoints', () => {
  const base = { JWT_SECRET: 'relay-checkpoints-test-secret-of-32-bytes!', KAFKA_BROKERS: '127.0.0.1:9' };

  it('refuses to keep them in files beside EventStoreDB, where no lease would hold replicas and shards to one relay each', async () => {
    const settings = loadSettings({ ...base, EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://127.0.0.1:2113?tls=false' });
    await expect(openRelayCheckpoints(settings)).rejects.toThrow(ConfigurationError);
    await expect(openRelayCheckpoints(settings)).rejects.toThrow(/^DATABASE_URL: required by the CRM relay when EVENT_STORE=eventstoredb/);
  });

  it('keeps them in files beside the embedded store, whose one process is the one relay', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'relay-checkpoints-'));
    try {
      const checkpoints = await openRelayCheckpoints(loadSettings({ ...base, DATA_DIR: dataDir }));
      expect(checkpoints).toBeInstanceOf(FileCheckpointStore);
      await checkpoints.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
