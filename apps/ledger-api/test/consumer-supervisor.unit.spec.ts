import { describe, expect, it } from '@jest/globals';
import type { Consumer } from 'kafkajs';
import { ConsumerSupervisor, type ConsumerServer } from '../src/kafka/consumer-supervisor.js';

/** The events of a kafkajs consumer the supervisor listens to, emitted by hand. */
class FakeConsumer {
  readonly events = { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' };
  private readonly listeners = new Map<string, Set<(event: unknown) => void>>();

  on(event: string, listener: (event: unknown) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
    return () => set.delete(listener);
  }

  crash(message: string, restart: boolean): void {
    const error = Object.assign(new Error(message), { name: 'KafkaJSProtocolError' });
    for (const l of this.listeners.get(this.events.CRASH) ?? []) l({ payload: { error, groupId: 'g', restart } });
  }

  join(): void {
    for (const l of this.listeners.get(this.events.GROUP_JOIN) ?? []) l({ payload: {} });
  }

  get listening(): number {
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }
}

/** Nest's Kafka server as the supervisor drives it: each listen creates a consumer; what happens next is scripted. */
class FakeServer implements ConsumerServer {
  readonly consumers: FakeConsumer[] = [];
  closes = 0;
  /** What each listen does, in order (then: join). */
  script: Array<'join' | 'crash_in_join' | 'fail'> = [];
  onConsumer: (consumer: Consumer) => void = () => undefined;

  listen(callback: (error?: unknown) => void): void {
    const step = this.script.shift() ?? 'join';
    if (step === 'fail') return callback(new Error('connect ECONNREFUSED 127.0.0.1:9092'));
    const consumer = new FakeConsumer();
    this.consumers.push(consumer);
    this.onConsumer(consumer as unknown as Consumer);
    // kafkajs joins inside `run`, so a failed first join crashes the consumer before `listen` calls back.
    if (step === 'crash_in_join') consumer.crash('The session timeout is not within the range allowed by the broker', false);
    else consumer.join();
    callback();
  }

  async close(): Promise<void> {
    this.closes++;
  }

  get current(): FakeConsumer {
    return this.consumers[this.consumers.length - 1]!;
  }
}

function supervised(script: FakeServer['script'] = []) {
  const server = new FakeServer();
  const lines: string[] = [];
  const crashes: string[] = [];
  const supervisor = new ConsumerSupervisor(server, { backoff: { initialMs: 1, maxMs: 4 }, log: (line) => lines.push(line), onCrash: (by) => crashes.push(by) });
  server.onConsumer = (consumer) => supervisor.attach(consumer);
  server.listen(() => undefined);
  server.script = script;
  return { server, supervisor, lines, crashes };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('ConsumerSupervisor', () => {
  it('restarts a consumer that kafkajs will not restart, and it consumes again', async () => {
    const { server, supervisor, lines, crashes } = supervised();
    expect(supervisor.status.state).toBe('consuming');
    server.current.crash('The coordinator is not aware of this member', false);
    expect(supervisor.status).toMatchObject({ state: 'crashed', lastCrash: 'KafkaJSProtocolError: The coordinator is not aware of this member' });
    await until(() => server.consumers.length === 2, 'a new consumer');
    expect(server.closes).toBe(1);
    expect(supervisor.status.state).toBe('consuming');
    expect(supervisor.status.crashes).toEqual({ restartedByKafkajs: 0, restartedBySupervisor: 1 });
    expect(crashes).toEqual(['supervisor']);
    expect(lines.some((l) => l.includes('kafkajs will not restart it (KafkaJSProtocolError: The coordinator is not aware of this member)'))).toBe(true);
    // The old consumer is no longer watched: a late event from it restarts nothing.
    expect(server.consumers[0]!.listening).toBe(0);
    server.consumers[0]!.crash('late', false);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.consumers).toHaveLength(2);
  });

  it('leaves a crash kafkajs restarts itself to kafkajs, counting it, and says it is starting until it joins again', async () => {
    const { server, supervisor, crashes } = supervised();
    server.current.crash('Connection error: connect ECONNREFUSED', true);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.consumers).toHaveLength(1);
    expect(server.closes).toBe(0);
    expect(supervisor.status).toMatchObject({ state: 'starting', crashes: { restartedByKafkajs: 1, restartedBySupervisor: 0 } });
    expect(crashes).toEqual(['kafkajs']);
    // kafkajs' restart joined the group.
    server.current.join();
    expect(supervisor.status.state).toBe('consuming');
  });

  it('keeps trying, backing off, while the new consumer crashes in its first join or cannot connect', async () => {
    const { server, supervisor, lines } = supervised(['crash_in_join', 'fail', 'crash_in_join', 'join']);
    server.current.crash('The group member needs to have a valid member id', false);
    await until(() => server.consumers.length === 4, 'the fourth consumer');
    await until(() => supervisor.status.state === 'consuming', 'consuming');
    // Four listens after the first: two crashed joining, one could not connect, the last joined.
    expect(server.closes).toBe(4);
    expect(supervisor.status.crashes.restartedBySupervisor).toBe(3);
    const restarts = lines.filter((l) => l.includes('restarting it in'));
    expect(restarts.map((l) => /attempt (\d+)/.exec(l)![1])).toEqual(['1', '2', '3', '4']);
    expect(restarts[1]).toContain('session timeout is not within the range');
    expect(restarts[2]).toContain('ECONNREFUSED');
    // Joined: the next crash starts again from the first backoff step.
    server.current.crash('again', false);
    await until(() => server.consumers.length === 5, 'the fifth consumer');
    expect(lines.filter((l) => l.includes('restarting it in')).pop()).toContain('attempt 1)');
  });

  it('stops restarting once stopped, even in the middle of a backoff', async () => {
    const server = new FakeServer();
    const supervisor = new ConsumerSupervisor(server, { backoff: { initialMs: 200, maxMs: 200 }, log: () => undefined });
    server.onConsumer = (consumer) => supervisor.attach(consumer);
    server.listen(() => undefined);
    server.current.crash('final', false);
    expect(supervisor.status.state).toBe('crashed');
    await supervisor.stop();
    await new Promise((r) => setTimeout(r, 250));
    expect(server.consumers).toHaveLength(1);
    expect(server.closes).toBe(0);
    expect(supervisor.status.state).toBe('stopped');
  });
});
