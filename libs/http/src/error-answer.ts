import { HttpException, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { InvariantViolation } from '#domain';
import { EventIdConflictError, EventStoreOverloadedError, EventStoreTimeoutError, InvalidAppendError, WrongExpectedRevisionError } from '#event-store';
import { NoPolicyError, StreamBusyError } from '#ledger';
import { validationFailed } from './validation.js';

/** What the client is told about an error: the status, the JSON body, and when to retry (seconds), if it should. */
export interface ErrorAnswer {
  status: number;
  body: Record<string, unknown>;
  retryAfterSeconds?: string;
}

const logger = new Logger('http');

/**
 * The one mapping of errors to answers, shared by the global filter and by routes that answer each
 * item of a batch on its own. Nothing leaks a stack; what is our fault is logged.
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    if (typeof response !== 'string') return { status, body: response as Record<string, unknown> };
    // Only what Nest maps from Fastify (a body it could not parse, too large, of a type it takes no parser for) is
    // a bare message: it gets the error every answer has, and a body that is not JSON is named as a bad field.
    if (status === 400 && isBodyParserError(error.cause)) return { status, body: validationFailed([{ field: 'body', reasons: [response] }]).getResponse() as Record<string, unknown> };
    return { status, body: { statusCode: status, error: STATUS_CODES[status], message: response } };
  }
  const fastifyStatus = (error as { statusCode?: unknown })?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return { status: fastifyStatus, body: { statusCode: fastifyStatus, error: (error as Error).name, message: (error as Error).message } };
  }
  if (error instanceof EventIdConflictError) return { status: 409, body: { statusCode: 409, error: 'Conflict', reason: 'idempotency_key_reused', message: 'this idempotency key was already used for a different request' } };
  if (error instanceof WrongExpectedRevisionError) return { status: 409, body: { statusCode: 409, error: 'Conflict', reason: 'concurrent_update', message: 'the record changed concurrently; retry' } };
  if (error instanceof StreamBusyError || error instanceof EventStoreOverloadedError) return { status: 503, body: { statusCode: 503, error: 'Service Unavailable', reason: 'overloaded' }, retryAfterSeconds: '1' };
  if (error instanceof EventStoreTimeoutError) {
    // The database did not answer (a dead connection, a stalled server): the client's retry with the same
    // idempotency key is safe whether or not its append was written.
    logger.warn(error.message);
    return { status: 503, body: { statusCode: 503, error: 'Service Unavailable', reason: 'store_unavailable', message: 'the event store did not answer in time; retry with the same idempotency key' }, retryAfterSeconds: '5' };
  }
  if (error instanceof NoPolicyError) return { status: 503, body: { statusCode: 503, error: 'Service Unavailable', reason: 'no_policy', message: error.message }, retryAfterSeconds: '5' };
  if (error instanceof InvalidAppendError) return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'validation failed', errors: [{ field: error.field, reasons: [error.reason] }] } };
  if (error instanceof InvariantViolation) {
    // The edge validation should have caught this: log it as our bug, answer as the client's bad input.
    logger.warn(`domain rejected input that passed validation: ${error.message}`);
    return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: error.message } };
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return { status: 500, body: { statusCode: 500, error: 'Internal Server Error' } };
}

/** Fastify's content-type parsers fail with codes FST_ERR_CTP_* (an empty or malformed JSON body among them). */
function isBodyParserError(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('FST_ERR_CTP_');
}
