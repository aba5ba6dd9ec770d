import { Controller, Get, Inject, Module, Req, Res, UnauthorizedException, type DynamicModule } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { Public, SkipRateLimit } from '#http';

const METRICS_OPTIONS = Symbol('MetricsOptions');

export interface MetricsOptions {
  registry: Registry;
  /** When set, scrapes must send `Authorization: Bearer <token>`; when null, `/metrics` is open. */
  token: string | null;
}

interface Reply {
  header(name: string, value: string): Reply;
}

/** `GET /metrics` in the Prometheus text format. Not behind the JWT guard: Prometheus has no user token. */
@ApiExcludeController()
@Public()
@SkipRateLimit()
@Controller('metrics')
class MetricsController {
  private readonly expected: Buffer | null;

  constructor(@Inject(METRICS_OPTIONS) private readonly options: MetricsOptions) {
    this.expected = options.token === null ? null : digest(`Bearer ${options.token}`);
  }

  @Get()
  async scrape(@Req() request: { headers: Record<string, string | undefined> }, @Res({ passthrough: true }) reply: Reply): Promise<string> {
    // Digests of equal length make the comparison constant-time whatever the caller sent.
    if (this.expected && !timingSafeEqual(this.expected, digest(request.headers['authorization'] ?? ''))) {
      throw new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message: 'metrics need the bearer token configured in METRICS_TOKEN' });
    }
    reply.header('content-type', this.options.registry.contentType);
    return this.options.registry.metrics();
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

@Module({})
export class MetricsModule {
  static forRoot(options: MetricsOptions): DynamicModule {
    return { module: MetricsModule, controllers: [MetricsController], providers: [{ provide: METRICS_OPTIONS, useValue: options }] };
  }
}
