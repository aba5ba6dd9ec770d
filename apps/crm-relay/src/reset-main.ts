/**
 * `npm run relay:reset`: makes the CRM relay publish the whole log again, after its topics were lost (a
 * broker that came back empty). Deletes every checkpoint of the relay (`CRM_RELAY_NAME`), unsharded and
 * of every shard layout: deleting only one would not do, since a relay resumes past its own checkpoint
 * when another layout got further. Refuses while any relay instance still holds one (stop them all
 * first). Exits 0 when reset, 2 when refused, 1 when it could not run.
 */
import { loadSettings } from '#config';
import { openRelayCheckpoints } from './relay-checkpoints.js';

try {
  const settings = loadSettings();
  const name = settings.kafka.relayName;
  const checkpoints = await openRelayCheckpoints(settings);
  try {
    const result = await checkpoints.forgetFamily(name);
    if ('leased' in result) {
      console.error(`relay:reset refused: ${result.leased.join(', ')} still leased by a running relay; stop every instance of ${name} (all shards), then run it again`);
      process.exitCode = 2;
    } else {
      console.log(JSON.stringify({ relay: name, forgotten: result.forgotten }));
      console.error(result.forgotten.length > 0 ? `relay:reset: ${name} will publish the whole log again when it starts` : `relay:reset: ${name} had no checkpoint; it starts from the start of the log`);
    }
  } finally {
    await checkpoints.close();
  }
} catch (error) {
  console.error(`relay:reset could not run: ${(error as Error).message}`);
  process.exitCode = 1;
}
