import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { TokenVerifier } from '#auth';
import { HttpEdgeModule, validationPipe } from '#http';
import { LedgerApiModule, type LedgerApiDependencies } from './ledger-api.module.js';

export interface LedgerAppOptions extends LedgerApiDependencies {
  verifier: TokenVerifier;
  bodyLimitBytes: number;
  /** More APIs served by the same process (the all-in-one main adds the query API). */
  modules?: DynamicModule[];
  logger?: false | Array<'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal'>;
  /**
   * Swagger UI at /docs (the JSON at /docs-json is always served). Off under Jest, whose CommonJS
   * loader cannot load the ESM dependency of @fastify/static that serves the UI's assets.
   */
  swaggerUi?: boolean;
}

/** Builds the command API on Fastify with validation, the body limit (413) and the OpenAPI document. */
export async function createLedgerApp(options: LedgerAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: options.bodyLimitBytes });
  @Module({ imports: [HttpEdgeModule.forRoot(options.verifier), LedgerApiModule.forRoot(options), ...(options.modules ?? [])] })
  class LedgerAppModule {}
  const app = await NestFactory.create<NestFastifyApplication>(LedgerAppModule, adapter, { logger: options.logger ?? ['error', 'warn'], abortOnError: false });
  app.useGlobalPipes(validationPipe);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Gesture Ledger')
      .setDescription('Discretionary gestures by frontline staff, within budgets, with escalation; loyalty; policy.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', ui: options.swaggerUi ?? true, raw: ['json'] });
  return app;
}
