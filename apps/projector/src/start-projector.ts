import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TokenVerifier } from '#auth';
import { openStorage, type Settings, type Storage } from '#config';
import { allProjections, formatProgress, Projector, ReadModels, ReadQueries, type Projection } from '#projections';
import { listeningUrl } from '#http';
import { Lifecycle, processMetrics } from '#observability';
import { createProjectorApp } from './create-app.js';
import { financeApiModule } from './finance/index.js';
import type { ProjectorStatus } from './query-api/projector-status.js';
import { QueryApiModule } from './query-api/query-api.module.js';

export interface ProjectorStartOptions {
  /** The event store and read-model database to use; opened from `settings` when absent (and then closed by `stop`). */
  storage?: Storage;
  /** Serve the query API on `settings.projector.httpPort` (default true). The all-in-one main passes false and mounts `queryModule` in its own app. */
  serveHttp?: boolean;
  projections?: readonly Projection[];
  /** More modules for this service's app (the finance API). */
  modules?: DynamicModule[];
  swaggerUi?: boolean;
  log?: (line: string) => void;
  /** How often the lag gauges of `/metrics` are refreshed. */
  lagSampleMs?: number;
}

export interface RunningProjector {
  projector: Projector;
  queries: ReadQueries;
  /** The query API as a module, for an app that serves it beside other APIs. */
  queryModule: DynamicModule;
  status(): Promise<ProjectorStatus>;
  app: NestFastifyApplication | null;
  url: string | null;
  /** Stops taking requests, finishes the batch in hand (its checkpoint commits), then closes what it opened. */
  stop(): Promise<void>;
}

/**
 * Creates or rebuilds the read models as needed, starts following the log, and (unless told not to)
 * serves the query API. The caller owns signals: `main.ts` calls `stop()` on SIGTERM.
 */
export async function startProjector(settings: Settings, options: ProjectorStartOptions = {}): Promise<RunningProjector> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const storage = options.storage ?? (await openStorage(settings));
  const owned = options.storage === undefined;
  const projector = new Projector({
    store: storage.store,
    db: storage.readModels,
    projections: options.projections ?? allProjections,
    batchSize: settings.projector.batchSize,
    idlePollMs: settings.projector.idlePollMs,
    onRebuildProgress: (p) => log(`projector: rebuilding read models ${formatProgress(p)}`),
    onRebuildWait: (reason) => log(`projector: ${reason}; waiting for it before preparing the read models`),
    onError: (error) => log(`projector: batch failed, retrying: ${error instanceof Error ? error.message : String(error)}`),
    // Not an exit: restarted in place, this process's prepare() would rebuild the read models back to its own
    // versions, undoing the upgrade (or the rebuild an operator ran with the new release). Not ready instead
    // (below), it leaves the read models alone and serves no query over tables it no longer reads right, until
    // the rollout replaces it.
    onHalt: (reason) => log(`projector: stopped following the log, not ready until replaced: ${reason}`),
  });
  const prepared = await projector.prepare();
  log(`projector: read models ${prepared}`);
  projector.start();

  const metrics = processMetrics();
  const status = async (): Promise<ProjectorStatus> => ({ lag: await projector.lag(), projector: projector.stats });
  const sample = setInterval(() => {
    projector
      .lag()
      .then((lag) => {
        metrics.projectionLagEvents.set({ projection: 'all' }, lag.eventsBehind);
        metrics.projectionLagSeconds.set({ projection: 'all' }, lag.secondsBehind);
      })
      .catch(() => undefined);
  }, options.lagSampleMs ?? 5_000);
  sample.unref();

  const queries = new ReadQueries(new ReadModels(storage.readModels));
  const queryModule = QueryApiModule.forRoot({ queries, status });
  let app: NestFastifyApplication | null = null;
  let url: string | null = null;
  const lifecycle = new Lifecycle();
  if (options.serveHttp ?? true) {
    app = await createProjectorApp({
      verifier: new TokenVerifier(settings.jwt),
      swaggerUi: options.swaggerUi ?? true,
      modules: [queryModule, financeApiModule(storage), ...(options.modules ?? [])],
      operations: settings.operations,
      metrics,
      lifecycle,
      readinessChecks: {
        eventStore: () => storage.store.headPosition(),
        readModels: () => storage.readModels.query('select 1', []),
        projector: async () => {
          const stuck = projector.stuck(settings.projector.stuckAfterMs);
          if (stuck !== null) throw new Error(stuck);
        },
      },
    });
    await app.listen(settings.projector.httpPort, settings.httpHost);
    const address = app.getHttpServer().address();
    url = listeningUrl(settings.httpHost, typeof address === 'object' && address ? address.port : settings.projector.httpPort);
  }

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      lifecycle.startDraining();
      clearInterval(sample);
      await app?.close();
      await projector.stop();
      if (owned) await storage.close();
    })());
  return { projector, queries, queryModule, status, app, url, stop };
}
