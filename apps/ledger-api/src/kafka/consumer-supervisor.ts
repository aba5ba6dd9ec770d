import { ServerKafka, type KafkaOptions } from '@nestjs/microservices';
import type { Consumer, ConsumerCrashEvent } from 'kafkajs';
import { backoffDelayMs, sleep, type BackoffLimits } from '#messaging';
import { VerbatimKafkaParser } from './verbatim-kafka-parser.js';

/** What the supervisor needs of Nest's Kafka server: start it and stop it. */
export interface ConsumerServer {
  listen(callback: (error?: unknown) => void): unknown;
  close(): Promise<void>;
}

/**
 * Nest's Kafka server, telling `onConsumer` of each kafkajs consumer it creates before it connects
 * it: a crash during the first join of the group happens inside `listen`, so watching the consumer only
 * once `listen` returned would miss it. Handlers get each message undecoded (`KafkaContext.getMessage()`).
 */
export class SupervisedKafkaServer extends ServerKafka {
  constructor(
    options: Required<KafkaOptions>['options'],
    private readonly onConsumer: (consumer: Consumer) => void,
  ) {
    super(options);
    this.parser = new VerbatimKafkaParser();
  }

  protected override registerConsumerEventListeners(): void {
    super.registerConsumerEventListeners();
    if (this.consumer) this.onConsumer(this.consumer);
  }
}

export interface ConsumerHealth {
  /**
   * `starting`: not in its group yet, or again (after a crash kafkajs restarts it from); `crashed`: down,
   * and the supervisor is restarting it.
   */
  state: 'starting' | 'consuming' | 'crashed' | 'stopped';
  /** Why it last crashed (kept after it recovered, for the operator). */
  lastCrash: string | null;
  /** Crashes kafkajs restarted by itself, and crashes only the supervisor restarted. */
  crashes: { restartedByKafkajs: number; restartedBySupervisor: number };
}

export interface ConsumerSupervisorOptions {
  backoff?: BackoffLimits;
  log: (line: string) => void;
  /** Told of each crash (metrics). */
  onCrash?: (restartedBy: 'kafkajs' | 'supervisor') => void;
}

/**
 * Keeps the frontline actions consumer consuming. kafkajs restarts a crashed consumer by itself only
 * after a retriable error; after any other (an error it considers final from the group coordinator, a
 * broker refusing the group's configuration, ...) it leaves the consumer disconnected for good, while
 * the process and its HTTP API carry on, so actions would pile up on the topic unconsumed with nobody
 * told. The supervisor then closes and restarts Nest's Kafka server, with bounded exponential backoff
 * (reset once the consumer joins its group again), until it consumes again or the app shuts down.
 */
export class ConsumerSupervisor {
  private health: ConsumerHealth = { state: 'starting', lastCrash: null, crashes: { restartedByKafkajs: 0, restartedBySupervisor: 0 } };
  private attempt = 0;
  private readonly stopping = new AbortController();
  private restarting: Promise<void> | null = null;
  /** The consumer a restart started crashed before the restart finished (during its first join). */
  private crashedWhileRestarting = false;
  private unsubscribe: Array<() => void> = [];
  private readonly backoff: BackoffLimits;

  constructor(
    private readonly server: ConsumerServer,
    private readonly options: ConsumerSupervisorOptions,
  ) {
    this.backoff = options.backoff ?? { initialMs: 1_000, maxMs: 30_000 };
  }

  get status(): ConsumerHealth {
    return { ...this.health, crashes: { ...this.health.crashes } };
  }

  /** Watches a consumer the server just created (the server calls this before connecting it). */
  attach(consumer: Consumer): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [
      consumer.on(consumer.events.GROUP_JOIN, () => {
        this.attempt = 0;
        if (this.health.state !== 'stopped') this.health.state = 'consuming';
      }),
      consumer.on(consumer.events.CRASH, (event: ConsumerCrashEvent) => this.crashed(event.payload.error, event.payload.restart)),
    ];
  }

  /** Stops restarting (the app is shutting down; Nest closes the server itself). */
  async stop(): Promise<void> {
    this.health.state = 'stopped';
    this.stopping.abort();
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    await this.restarting;
  }

  private crashed(error: Error, restartedByKafkajs: boolean): void {
    if (this.stopping.signal.aborted) return;
    const reason = `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`;
    this.health.lastCrash = reason;
    if (restartedByKafkajs) {
      // Consuming nothing until kafkajs' restart joins the group again (GROUP_JOIN says so).
      this.health.state = 'starting';
      this.health.crashes.restartedByKafkajs++;
      this.options.onCrash?.('kafkajs');
      this.options.log(`frontline actions: the consumer crashed (${reason}); kafkajs restarts it`);
      return;
    }
    this.health.crashes.restartedBySupervisor++;
    this.health.state = 'crashed';
    this.options.onCrash?.('supervisor');
    if (this.restarting) this.crashedWhileRestarting = true;
    else this.restarting = this.restart(reason).finally(() => (this.restarting = null));
  }

  private async restart(reason: string): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const delayMs = backoffDelayMs(this.attempt++, this.backoff);
      this.options.log(`frontline actions: the consumer crashed and kafkajs will not restart it (${reason}); restarting it in ${delayMs} ms (attempt ${this.attempt})`);
      await sleep(delayMs, this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      this.crashedWhileRestarting = false;
      try {
        await this.server.close();
        await new Promise<void>((resolve, reject) => void this.server.listen((error?: unknown) => (error ? reject(error) : resolve())));
        if (this.crashedWhileRestarting) {
          reason = this.health.lastCrash ?? reason;
          continue;
        }
        // A later crash of the new consumer is seen by `attach` and starts the next restart.
        if (this.health.state === 'crashed') this.health.state = 'starting';
        this.options.log('frontline actions: consumer restarted');
        return;
      } catch (error) {
        reason = (error as Error).message ?? String(error);
      }
    }
  }
}
