import { Controller, Inject, type BeforeApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext, Payload } from '@nestjs/microservices';
import { ConsumerStoppingError, FrontlineActionHandler } from './frontline-action-handler.js';
import { OffsetCommitter } from './offset-committer.js';

export const FRONTLINE_ACTION_HANDLER = Symbol('FrontlineActionHandler');
export const OFFSET_COMMITTER = Symbol('OffsetCommitter');

/**
 * The Kafka shell of the frontline actions: a Nest microservice controller on the configured topic
 * (built per topic name, since decorators take constants). The consumer runs with `autoCommit: false`:
 * Nest's Kafka server turns a handler's error into an observable nobody subscribes to, so kafkajs would
 * count a failed message as consumed; here nothing is ever committed except through the `OffsetCommitter`,
 * after the outcome is durable, and a message that could not be finished is sought back to, so kafkajs
 * fetches it again instead of moving on.
 */
export function frontlineActionsController(topic: string) {
  @Controller()
  class FrontlineActionsController implements BeforeApplicationShutdown {
    private readonly stopping = new AbortController();

    constructor(
      @Inject(FRONTLINE_ACTION_HANDLER) private readonly handler: FrontlineActionHandler,
      @Inject(OFFSET_COMMITTER) private readonly committer: OffsetCommitter,
    ) {}

    @EventPattern(topic)
    async onAction(@Payload() value: unknown, @Ctx() kafkaContext: unknown): Promise<void> {
      // Typed `unknown` only because Nest 12's EventPattern signature types extra arguments so.
      const context = kafkaContext as KafkaContext;
      const message = context.getMessage();
      const partition = context.getPartition();
      const consumer = context.getConsumer();
      const incoming = {
        topic: context.getTopic(),
        partition,
        offset: message.offset,
        key: message.key === null || message.key === undefined ? null : String(message.key),
        // With `keepBinary` the value arrives as the broker's bytes.
        value: Buffer.isBuffer(value) ? value : value === null || value === undefined ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
        headers: headerStrings(message.headers as Record<string, unknown> | undefined),
      };
      try {
        await this.handler.handle(incoming, this.stopping.signal, context.getHeartbeat());
        this.committer.done(consumer, incoming.topic, partition, message.offset);
      } catch (error) {
        // Not durable: make kafkajs fetch this message again (after a rebalance, its new owner will).
        consumer.seek({ topic: incoming.topic, partition, offset: message.offset });
        if (!(error instanceof ConsumerStoppingError)) console.error(`frontline actions: ${incoming.topic}/${partition}@${message.offset} will be retried: ${(error as Error).message}`);
      }
    }

    /** Runs before Nest disconnects the consumer: stop retrying, commit what is durable. */
    async beforeApplicationShutdown(): Promise<void> {
      this.stopping.abort();
      await this.committer.close();
    }
  }
  return FrontlineActionsController;
}

/** Nest's parser decodes header bytes and parses those that look like JSON; the handler wants text. */
function headerStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === null || value === undefined) continue;
    out[name] = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : JSON.stringify(value);
  }
  return out;
}
