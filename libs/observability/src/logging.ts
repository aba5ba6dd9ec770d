import type { LoggerService } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/**
 * Paths never written to a log, whatever code logs them: credentials, and the free text staff type
 * about customers (notes, comments). Customer ids are pseudonymous and stay.
 */
export const redactedPaths = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'headers.cookie',
  'req.headers.cookie',
  'body',
  'req.body',
  'note',
  '*.note',
  'comment',
  '*.comment',
  'why',
  '*.why',
];

export interface LoggerOptions {
  /** Names the service on every line (`ledger-api`, `projector`, ...). */
  service: string;
  level: LevelWithSilent;
  /** Where lines go; buffered stdout by default. Tests pass a stream that collects them. */
  destination?: DestinationStream;
}

/**
 * One JSON line per log call. Stdout is written asynchronously (lines logged while a write is in flight
 * go out together in the next one), so a request never waits for a write system call; `flush()` on
 * shutdown writes what is left.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    destination,
  );
}

/** NestJS's own logs (start-up, errors from filters, Terminus) through the same pino logger, via nestjs-pino. */
export function nestLogger(logger: Logger): LoggerService {
  // NestJS logs every module and route at start-up at level "log": kept to warnings and errors.
  const params = { pinoHttp: { logger: logger.child({}, { level: logger.isLevelEnabled('warn') ? 'warn' : logger.level }) } };
  return new NestPinoLogger(new PinoLogger(params), params);
}

/** What the request line needs from Fastify's request and reply. */
interface LoggedRequest {
  id: string;
  method: string;
  routeOptions: { url?: string };
  principal?: { subject: string };
}
interface LoggedReply {
  statusCode: number;
  elapsedTime: number;
  header(name: string, value: string): unknown;
}
interface HookHost {
  addHook(name: 'onRequest', hook: (request: LoggedRequest, reply: LoggedReply, done: () => void) => void): unknown;
  addHook(name: 'onResponse', hook: (request: LoggedRequest, reply: LoggedReply, done: () => void) => void): unknown;
}

/**
 * One line per request (method, route template, status, duration, correlation id, authenticated
 * subject) written when the response is sent, and the correlation id echoed in `x-correlation-id`.
 * The route is the template (`/gestures/:id/approve`), never the raw URL with its query string, and
 * neither headers nor bodies are logged: nothing a customer typed, no token.
 */
export function logRequests(fastify: HookHost, logger: Logger): void {
  // The line is built from the fixed fields below, so it needs none of the wildcard redaction paths,
  // which measured as two thirds of the cost of writing it.
  const lines = logger.child({}, { redact: { paths: ['authorization'], censor: '[redacted]' } });
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-correlation-id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    if (lines.isLevelEnabled('info')) {
      lines.info(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
          correlationId: request.id,
          subject: request.principal?.subject ?? null,
        },
        'request',
      );
    }
    done();
  });
}
