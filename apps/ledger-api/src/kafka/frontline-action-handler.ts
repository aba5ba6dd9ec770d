import { InvalidTokenError, type TokenVerifier, type Principal } from '#auth';
import { InvariantViolation } from '#domain';
import { EventIdConflictError, InvalidAppendError } from '#event-store';
import { fieldErrors, refusalKind, requestContext, toDto, validateDto } from '#http';
import type { GestureLedger, RequestContext, Result } from '#ledger';
import { backoffDelayMs, sleep, type BackoffLimits } from '#messaging';
import type { DeadLetterQueue, DeadLetterReason } from './dead-letters.js';
import { frontlineActions, frontlineActionTypes } from './frontline-actions.js';
import { headerText, type IncomingAction } from './incoming-action.js';

export type Disposition = { kind: 'applied'; type: string; result: Result<unknown> } | { kind: 'dead_lettered'; reason: DeadLetterReason; details: string[] };

type Rejection = { kind: 'rejected'; reason: DeadLetterReason; details: string[] };

/** A message that passed every check that depends on it alone: only the ledger call is left. */
type Admitted = { kind: 'admitted'; type: string; dto: object; ctx: RequestContext };

export interface FrontlineActionHandlerOptions {
  /** Largest message value accepted, like the HTTP body limit. */
  valueBytesMax: number;
  /** Retries of a transient failure (store down, overloaded) back off within these bounds, forever. */
  backoff?: BackoffLimits;
  log?: (line: string) => void;
  /** Told of each message once its dead letter is durable (metrics). */
  onDeadLettered?: (reason: DeadLetterReason) => void;
}

/** Raised when the consumer is stopping before a message's outcome was durable: it must not be committed. */
export class ConsumerStoppingError extends Error {
  override readonly name = 'ConsumerStoppingError';
}

const envelopeKeys = new Set(['type', 'data']);

/**
 * One frontline action from Kafka, handled exactly as its HTTP request would be: the bearer token in the
 * `authorization` header verified by the same `TokenVerifier`, `data` validated by the same DTO, the
 * same ledger call with the same idempotency key. A message that can never succeed (not JSON, invalid,
 * unknown type, unauthenticated, forbidden, refused without a recorded outcome) goes to the dead-letter
 * topic, as does data the event store or PostgreSQL refuses as such (a NUL character, an unpaired
 * surrogate); a domain decision that is recorded (a gesture refused over budget) is an applied outcome.
 * Any other failure is taken as transient (store down, overloaded, a conflict) and retried with backoff
 * until it succeeds or the consumer stops — never dead-lettered, never skipped.
 */
export class FrontlineActionHandler {
  private readonly backoff: BackoffLimits;
  private readonly log: (line: string) => void;
  private brokerStampsArrival = false;
  readonly counts = { applied: 0, deadLettered: 0, retries: 0 };

  constructor(
    private readonly ledger: GestureLedger,
    private readonly verifier: TokenVerifier,
    private readonly deadLetters: DeadLetterQueue,
    private readonly options: FrontlineActionHandlerOptions,
  ) {
    this.backoff = options.backoff ?? { initialMs: 100, maxMs: 5_000 };
    this.log = options.log ?? ((line) => console.error(line));
  }

  /**
   * Told once the topic's timestamp type is known (read from the broker before consuming). When the timestamps
   * are the broker's (`message.timestamp.type=LogAppendTime`), a token is judged at the time its message
   * arrived, so a backlog longer than a token's life (a consumer outage, a slow partition) does not
   * dead-letter what was valid when sent. A producer's own timestamp (`CreateTime`) is not trusted for this:
   * it could date a message back into an expired token's life.
   */
  judgeTokensAtArrival(brokerStampsArrival: boolean): void {
    this.brokerStampsArrival = brokerStampsArrival;
  }

  /** Resolves once the outcome (or the dead letter) is durable; throws `ConsumerStoppingError` otherwise. */
  async handle(message: IncomingAction, signal: AbortSignal, heartbeat: () => Promise<void> = async () => {}): Promise<Disposition> {
    let admitted: Admitted | Rejection | null = null;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new ConsumerStoppingError(`stopping before ${where(message)} was processed`);
      try {
        // Checked once, as it arrived: a token that expires while an outage is retried does not turn a
        // valid message into a dead letter.
        admitted ??= await this.admit(message);
        const outcome = admitted.kind === 'rejected' ? admitted : await this.apply(admitted);
        if (outcome.kind === 'rejected') {
          await this.deadLetters.send(message, outcome.reason, outcome.details);
          this.counts.deadLettered++;
          this.options.onDeadLettered?.(outcome.reason);
          return { kind: 'dead_lettered', reason: outcome.reason, details: outcome.details };
        }
        this.counts.applied++;
        return outcome;
      } catch (error) {
        this.counts.retries++;
        const delayMs = backoffDelayMs(attempt, this.backoff);
        this.log(`frontline actions: ${where(message)} failed (${(error as Error).message ?? error}); retrying in ${delayMs} ms`);
        await sleep(delayMs, signal);
        // Keeps the group membership alive while a long outage lasts; a rebalance error ends the attempt.
        await heartbeat();
      }
    }
  }

  private async admit(message: IncomingAction): Promise<Admitted | Rejection> {
    const parsed = this.parse(message);
    if (parsed.kind === 'rejected') return parsed;
    // Read once: the token and the request are both judged as of it.
    const arrivedMs = this.arrivalMs(message);
    const principal = await this.authenticate(headerText(message.headers, 'authorization'), arrivedMs);
    if ('kind' in principal) return principal;
    const action = frontlineActions[parsed.type]!;
    // The HTTP body pipe's own steps: the same instance, the same rules, the same field errors.
    const dto = toDto(action.dto, parsed.data);
    const errors = [...fieldErrors(validateDto(dto)), ...(action.check?.(dto) ?? [])];
    if (errors.length > 0) return reject('validation_failed', errors.map((e) => `${e.field}: ${e.reasons.join('; ')}`));
    return { kind: 'admitted', type: parsed.type, dto, ctx: this.context(principal, message, arrivedMs) };
  }

  private async apply({ type, dto, ctx }: Admitted): Promise<Disposition | Rejection> {
    let result: Result<unknown>;
    try {
      result = await frontlineActions[type]!.run(this.ledger, dto, ctx);
    } catch (error) {
      if (error instanceof EventIdConflictError) return reject('idempotency_key_reused', ['this idempotency key was already used for a different request']);
      if (error instanceof InvalidAppendError) return reject('invalid_data', [`${error.field}: ${error.reason}`]);
      if (error instanceof InvariantViolation) return reject('invalid_data', [error.message]);
      if (isDataException(error)) return reject('invalid_data', [`${error.code}: ${error.message}`]);
      throw error;
    }
    switch (result.kind) {
      case 'ok':
        return { kind: 'applied', type, result };
      case 'forbidden':
        return reject('forbidden', [result.reason]);
      case 'not_found':
        return reject('not_found', [`${result.what} not found`]);
      case 'refused':
        // Named as HTTP would answer it (403, 404), so a letter's reason says whom to ask: the sender's rights, the data, the state.
        if (result.reason === 'idempotency_key_reused') return reject('idempotency_key_reused', [result.reason, ...result.details]);
        return reject(deadLetterReasonOf[refusalKind(result.reason)], [result.reason, ...result.details]);
    }
  }

  private parse(message: IncomingAction): { kind: 'parsed'; type: string; data: object } | Rejection {
    const value = message.value;
    if (value === null) return reject('not_json', ['the message has no value (a tombstone)']);
    if (value.length === 0) return reject('not_json', ['the message value is empty']);
    if (value.length > this.options.valueBytesMax) return reject('too_large', [`the value is ${value.length} bytes; at most ${this.options.valueBytesMax}`]);
    let body: unknown;
    try {
      body = JSON.parse(value.toString('utf8'));
    } catch (error) {
      return reject('not_json', [(error as Error).message]);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return reject('invalid_envelope', ['the value must be a JSON object {"type": ..., "data": {...}}']);
    const envelope = body as Record<string, unknown>;
    const unknown = Object.keys(envelope).filter((k) => !envelopeKeys.has(k));
    if (unknown.length > 0) return reject('invalid_envelope', unknown.map((k) => `${k}: property ${k} should not exist`));
    if (typeof envelope.type !== 'string') return reject('invalid_envelope', ['type: must be one of ' + frontlineActionTypes.join(', ')]);
    if (!Object.hasOwn(frontlineActions, envelope.type)) return reject('unknown_type', [`type: ${JSON.stringify(envelope.type.slice(0, 100))} is not one of ${frontlineActionTypes.join(', ')}`]);
    const data = envelope.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return reject('invalid_envelope', ['data: must be a JSON object']);
    return { kind: 'parsed', type: envelope.type, data };
  }

  /**
   * When the message reached the broker, if the broker says so; else undefined (the verifier's now). Its own
   * batch has the last word: one written before the topic became `LogAppendTime` carries the producer's time.
   */
  private arrivalMs(message: IncomingAction): number | undefined {
    const stamped = Number(message.timestamp);
    return (message.stampedByBroker ?? this.brokerStampsArrival) && Number.isSafeInteger(stamped) && stamped > 0 ? stamped : undefined;
  }

  private async authenticate(header: string | undefined, atMs: number | undefined): Promise<Principal | Rejection> {
    if (!header?.startsWith('Bearer ')) return reject('unauthenticated', ['authorization: a "Bearer <token>" header is required']);
    try {
      return await this.verifier.verify(header.slice(7).trim(), atMs);
    } catch (error) {
      if (error instanceof InvalidTokenError) return reject('unauthenticated', [error.message]);
      throw error;
    }
  }

  private context(principal: Principal, message: IncomingAction, arrivedMs: number | undefined): RequestContext {
    const ctx: RequestContext = { ...requestContext(principal, headerText(message.headers, 'x-correlation-id') ?? headerText(message.headers, 'ce_id')), causationId: `kafka:${where(message)}` };
    // Judged as of its arrival where the broker vouches for it, like its token: a backlog refuses nothing that was live when sent.
    if (arrivedMs !== undefined && arrivedMs < Date.now()) ctx.receivedAt = new Date(arrivedMs).toISOString();
    return ctx;
  }
}

/**
 * PostgreSQL refused the data itself (SQLSTATE class 22, e.g. 22P05 for a NUL in jsonb): the store fails
 * only the append that carries it, and a retry would be refused the same way, stalling the partition.
 */
function isDataException(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

const deadLetterReasonOf = { forbidden: 'forbidden', not_found: 'not_found', invalid: 'refused', conflict: 'refused' } as const satisfies Record<ReturnType<typeof refusalKind>, DeadLetterReason>;

function reject(reason: DeadLetterReason, details: string[]): Rejection {
  return { kind: 'rejected', reason, details };
}

function where(message: IncomingAction): string {
  return `${message.topic}/${message.partition}@${message.offset}`;
}
