import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { InvariantViolation } from '#domain';
import { EventIdConflictError, EventStoreOverloadedError, InvalidAppendError, WrongExpectedRevisionError } from '#event-store';
import { NoPolicyError, StreamBusyError } from '#ledger';

interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
  send(body: unknown): void;
}

/** Errors that escape a handler become one JSON shape with the right status; nothing leaks a stack. */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<Reply>();
    const [status, body, retryAfter] = this.describe(error);
    if (retryAfter) reply.header('retry-after', retryAfter);
    reply.status(status).send(body);
  }

  private describe(error: unknown): [number, Record<string, unknown>, string?] {
    if (error instanceof HttpException) {
      const response = error.getResponse();
      return [error.getStatus(), typeof response === 'string' ? { statusCode: error.getStatus(), message: response } : (response as Record<string, unknown>)];
    }
    const fastifyStatus = (error as { statusCode?: unknown })?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      return [fastifyStatus, { statusCode: fastifyStatus, error: (error as Error).name, message: (error as Error).message }];
    }
    if (error instanceof EventIdConflictError) return [409, { statusCode: 409, error: 'Conflict', reason: 'idempotency_key_reused', message: 'this idempotency key was already used for a different request' }];
    if (error instanceof WrongExpectedRevisionError) return [409, { statusCode: 409, error: 'Conflict', reason: 'concurrent_update', message: 'the record changed concurrently; retry' }];
    if (error instanceof StreamBusyError || error instanceof EventStoreOverloadedError) return [503, { statusCode: 503, error: 'Service Unavailable', reason: 'overloaded' }, '1'];
    if (error instanceof NoPolicyError) return [503, { statusCode: 503, error: 'Service Unavailable', reason: 'no_policy', message: error.message }, '5'];
    if (error instanceof InvalidAppendError) return [400, { statusCode: 400, error: 'Bad Request', message: 'validation failed', errors: [{ field: error.field, reasons: [error.reason] }] }];
    if (error instanceof InvariantViolation) {
      // The edge validation should have caught this: log it as our bug, answer as the client's bad input.
      this.logger.warn(`domain rejected input that passed validation: ${error.message}`);
      return [400, { statusCode: 400, error: 'Bad Request', message: error.message }];
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return [500, { statusCode: 500, error: 'Internal Server Error' }];
  }
}
