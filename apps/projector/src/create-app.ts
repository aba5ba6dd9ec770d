import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { TokenVerifier } from '#auth';
import { HttpEdgeModule } from '#http';

export interface ProjectorAppOptions {
  verifier: TokenVerifier;
  /** The query API, and whatever else this service serves (health, metrics, finance). */
  modules: DynamicModule[];
  logger?: false | Array<'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal'>;
  /** Swagger UI at /docs (off under Jest, which cannot load its ESM asset server); /docs-json always. */
  swaggerUi?: boolean;
}

/** The projector service's HTTP side: the read-only query API on Fastify behind the shared bearer-token edge. */
export async function createProjectorApp(options: ProjectorAppOptions): Promise<NestFastifyApplication> {
  // Queries have no bodies; a small limit keeps anyone from streaming megabytes at a read-only service.
  const adapter = new FastifyAdapter({ bodyLimit: 16 * 1024 });
  @Module({ imports: [HttpEdgeModule.forRoot(options.verifier), ...options.modules] })
  class ProjectorAppModule {}
  const app = await NestFactory.create<NestFastifyApplication>(ProjectorAppModule, adapter, { logger: options.logger ?? ['error', 'warn'], abortOnError: false });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Gesture Ledger read models')
      .setDescription('Budgets, approval queues and customer 360 as the projector keeps them; its lag.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', ui: options.swaggerUi ?? true, raw: ['json'] });
  return app;
}
