import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { errorAnswer } from './error-answer.js';

interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
  send(body: unknown): void;
}

/** Errors that escape a handler become one JSON shape with the right status (see `errorAnswer`). */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<Reply>();
    const { status, body, retryAfterSeconds } = errorAnswer(error);
    if (retryAfterSeconds) reply.header('retry-after', retryAfterSeconds);
    reply.status(status).send(body);
  }
}
