import { afterAll, describe } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpointStore } from '../src/checkpoint.js';
import { checkpointStoreContract } from '../src/testing/checkpoint-store-contract.js';

describe('FileCheckpointStore', () => {
  const directory = mkdtempSync(join(tmpdir(), 'gl-checkpoints-'));
  let n = 0;
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  checkpointStoreContract(async () => new FileCheckpointStore(directory), () => `relay-${n++}`);
});
