import { loadSettings } from '#config';
import { parsePosition, type Position } from '#event-store';
import { startCrmRelay } from '../apps/crm-relay/src/start-crm-relay.js';

/**
 * One shard of the relay throughput benchmark, in a process of its own and wired as the service wires it
 * (`startCrmRelay`, settings from the environment: EVENT_STORE, DATABASE_URL, KAFKA_*, CRM_RELAY_*). Says
 * `ready` over IPC, starts on `go`, and reports when its checkpoint reaches `target` (the last event of its
 * share): the absolute end time (`performance.timeOrigin + performance.now()`), the events and records it published
 * and the CPU it used. argv: target position.
 */
const [targetArg] = process.argv.slice(2);
if (!targetArg || !process.send) throw new Error('usage (as a child with IPC): relay-shard.main.js <target position>');
const send = process.send.bind(process);
const settings = loadSettings();
const target = parsePosition(targetArg) as Position;
process.once('message', () => {
  const cpuBefore = process.cpuUsage();
  void (async () => {
    const running = await startCrmRelay(settings, { log: () => undefined });
    await running.relay.until(target, 600_000);
    const cpu = process.cpuUsage(cpuBefore);
    send({ kind: 'done', at: performance.timeOrigin + performance.now(), events: running.relay.stats.eventsPublished, records: running.relay.stats.recordsPublished, cpuUs: cpu.user + cpu.system });
    await running.stop();
    process.exit(0);
  })();
});
send({ kind: 'ready' });
