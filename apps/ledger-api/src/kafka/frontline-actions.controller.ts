import { Controller, Inject, type BeforeApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext } from '@nestjs/microservices';
import { ConsumerStoppingError, FrontlineActionHandler } from './frontline-action-handler.js';
import { stampedByBroker, type IncomingAction } from './incoming-action.js';
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
    /** Messages being handled (up to one per partition consumed at once): shutdown waits for their outcome. */
    private readonly inFlight = new Set<Promise<void>>();

    constructor(
      @Inject(FRONTLINE_ACTION_HANDLER) private readonly handler: FrontlineActionHandler,
      @Inject(OFFSET_COMMITTER) private readonly committer: OffsetCommitter,
    ) {}

    /**
     * Takes everything from the message itself, never from Nest's payload: for a message without a value
     * Nest passes the whole message object as the payload.
     */
    @EventPattern(topic)
    async onAction(@Ctx() kafkaContext: unknown): Promise<void> {
      // Typed `unknown` only because Nest 12's EventPattern signature types extra arguments so.
      const handling = this.handle(kafkaContext as KafkaContext);
      this.inFlight.add(handling);
      try {
        await handling;
      } finally {
        this.inFlight.delete(handling);
      }
    }

    private async handle(context: KafkaContext): Promise<void> {
      // Undecoded (`SupervisedKafkaServer` parses nothing): the broker's bytes.
      const message = context.getMessage();
      const partition = context.getPartition();
      const consumer = context.getConsumer();
      const incoming: IncomingAction = { topic: context.getTopic(), partition, offset: message.offset, key: message.key ?? null, value: message.value, headers: message.headers ?? {}, timestamp: message.timestamp };
      const stamped = stampedByBroker(message);
      if (stamped !== undefined) incoming.stampedByBroker = stamped;
      try {
        await this.handler.handle(incoming, this.stopping.signal, context.getHeartbeat());
        this.committer.done(consumer, incoming.topic, partition, message.offset);
      } catch (error) {
        // Not durable: make kafkajs fetch this message again (after a rebalance, its new owner will).
        consumer.seek({ topic: incoming.topic, partition, offset: message.offset });
        if (!(error instanceof ConsumerStoppingError)) console.error(`frontline actions: ${incoming.topic}/${partition}@${message.offset} will be retried: ${(error as Error).message}`);
      }
    }

    /**
     * Runs before Nest disconnects the consumer: stop retrying, let the messages whose ledger call is under
     * way finish, then commit what is durable. Closed before they finish, the committer would never commit
     * their offsets: they would be delivered again after a restart (a dead letter written twice).
     */
    async beforeApplicationShutdown(): Promise<void> {
      this.stopping.abort();
      await Promise.allSettled(this.inFlight);
      await this.committer.close();
    }
  }
  return FrontlineActionsController;
}
