import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { loadSettings, type Settings } from '#config';

/**
 * No Docker engine or Kubernetes cluster runs where the project is developed, so the compose file, the
 * Dockerfile and the manifests are checked by parsing them against the code: every app they run exists,
 * every variable they set is one the services read (and documented in .env.example), every port is the
 * one the service listens on, every probe path is served, every dependency is declared.
 */
interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  build?: string;
  image?: string;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] };
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = yaml.load(readFileSync('docker-compose.yml', 'utf8')) as Compose;
const envExample = readFileSync('.env.example', 'utf8');
const configSources = readdirSync('libs/config/src')
  .filter((f) => f.endsWith('.ts') && !f.includes('.spec.'))
  .map((f) => readFileSync(join('libs/config/src', f), 'utf8'))
  .join('\n');
/** Every variable the configuration reads: `env.NAME`, `env['NAME']` or a quoted NAME handed to a reader. */
const readVariables = new Set([...configSources.matchAll(/env(?:\.|\[')([A-Z][A-Z0-9_]+)/g), ...configSources.matchAll(/'([A-Z][A-Z0-9_]{2,})'/g)].map((m) => m[1]!));
const documented = (variable: string) => new RegExp(`^${variable}=`, 'm').test(envExample);
/** The variable that sets each app's listening port (all of them listen on 3000 in containers). */
const portVariable: Record<string, string> = { 'ledger-api': 'PORT', 'gesture-ledger': 'PORT', projector: 'PROJECTOR_PORT', 'crm-relay': 'OPERATIONS_PORT' };
const appSource = (app: string) =>
  existsSync(`apps/${app}/src`)
    ? readdirSync(`apps/${app}/src`, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.ts') && !f.includes('.spec.'))
        .map((f) => readFileSync(join(`apps/${app}/src`, f), 'utf8'))
        .join('\n')
    : '';
/** Whether the app serves /health and /metrics: through the ledger app, or HealthModule / the operations server. */
const servesHealth = (app: string) => app === 'ledger-api' || app === 'gesture-ledger' || /HealthModule|createServiceApp|startOperationsServer/.test(appSource(app));
const probePaths = new Set(['/health/live', '/health/ready', '/metrics']);
const healthModuleSource = readFileSync('libs/observability/src/health.module.ts', 'utf8');
const dockerfile = readFileSync('Dockerfile', 'utf8');
/** The run stage's `ENV`: what every container starts with before compose or Kubernetes add theirs. */
const imageEnv: Record<string, string> = Object.fromEntries(
  [...dockerfile.slice(dockerfile.lastIndexOf('\nFROM ')).matchAll(/^ENV (.+)$/gm)].flatMap(([, line]) => [...line!.matchAll(/([A-Z_]+)=("[^"]*"|\S+)/g)].map(([, name, value]) => [name!, value!.replace(/^"|"$/g, '')])),
);
/** Where each app listens, as the code reads it. */
const listeningPort = (app: string, settings: Settings) => ({ PORT: settings.httpPort, PROJECTOR_PORT: settings.projector.httpPort, OPERATIONS_PORT: settings.operations.operationsPort })[portVariable[app]!];
/** What the process would print at start instead of running: the configuration error, or null when it starts. */
const configurationProblem = (env: Record<string, string>) => {
  try {
    loadSettings(env);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
};
/** What a user exports before `docker compose up`, as the README says. */
const exported: Record<string, string> = { JWT_SECRET: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c', METRICS_TOKEN: 'metrics-token-of-the-user' };
/** Compose's `${NAME:-default}`: the user's value when they exported one (`user`), else the default. */
const interpolated = (env: Record<string, string>, user: Record<string, string> = exported) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{([A-Z_]+):-([^}]*)\}/g, (_, name: string, fallback: string) => user[name] ?? fallback)]));

describe('.env.example', () => {
  it('documents every variable the configuration reads', () => {
    const undocumented = [...readVariables].filter((v) => !documented(v) && v !== 'NODE_ENV');
    expect(undocumented).toEqual([]);
  });

  it('documents only variables the configuration reads', () => {
    const unread = [...envExample.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!).filter((v) => !readVariables.has(v) && v !== 'NODE_ENV');
    expect(unread).toEqual([]);
  });

  it('names probe paths that the health module serves', () => {
    expect(healthModuleSource).toContain("@Controller('health')");
    expect(healthModuleSource).toContain("@Get('live')");
    expect(healthModuleSource).toContain("@Get('ready')");
  });
});

describe('docker-compose.yml', () => {
  const apps = Object.entries(compose.services).filter(([, s]) => s.image === 'gesture-ledger:local');
  const appOf = (service: ComposeService) => service.command?.[0] ?? 'gesture-ledger';

  it('has no secret of its own: without the secret the user exports, the services refuse to start', () => {
    for (const [name, service] of apps) {
      expect({ name, secrets: [service.environment?.JWT_SECRET, service.environment?.METRICS_TOKEN] }).toEqual({ name, secrets: ['${JWT_SECRET:-}', '${METRICS_TOKEN:-}'] });
      expect({ name, problem: configurationProblem({ ...imageEnv, ...interpolated(service.environment ?? {}, {}) }) }).toEqual({ name, problem: expect.stringMatching(/^JWT_SECRET: required/) });
    }
  });

  it('brings up the event store, PostgreSQL, Kafka in KRaft mode and every service', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['crm-relay', 'eventstoredb', 'kafka', 'ledger-api', 'postgres', 'projector']);
    expect(compose.services.kafka!.environment).toMatchObject({ KAFKA_PROCESS_ROLES: 'broker,controller' });
    expect(compose.services.kafka!.environment!.KAFKA_ZOOKEEPER_CONNECT).toBeUndefined();
    expect(apps.filter(([, s]) => s.build)).toHaveLength(1);
  });

  it('runs only apps that exist in apps/', () => {
    expect(apps.map(([, s]) => appOf(s)).sort()).toEqual(['crm-relay', 'ledger-api', 'projector']);
    for (const [name, service] of apps) expect({ name, exists: existsSync(`apps/${appOf(service)}/src/main.ts`) }).toEqual({ name, exists: true });
  });

  it('sets only variables the services read, each documented in .env.example', () => {
    for (const [name, service] of apps) {
      for (const variable of Object.keys(service.environment ?? {})) {
        expect({ name, variable, read: readVariables.has(variable) || variable === 'NODE_ENV' }).toEqual({ name, variable, read: true });
        expect({ name, variable, documented: documented(variable) }).toEqual({ name, variable, documented: true });
      }
    }
  });

  it('publishes the port each service listens on, and health-checks that port', () => {
    for (const [name, service] of apps) {
      const listens = service.environment?.[portVariable[appOf(service)]!];
      expect({ name, listens }).toEqual({ name, listens: '3000' });
      expect(service.ports?.every((p) => p.endsWith(`:${listens}`))).toBe(true);
      const check = (service.healthcheck?.test ?? []).join(' ');
      expect(check).toContain(`127.0.0.1:${listens}/health/ready`);
    }
  });

  it('depends only on declared services, waits for their health, and gives every service a health check and the data a volume', () => {
    const declared = Object.keys(compose.services);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(declared).toContain(dependency);
        expect(['service_healthy', 'service_started']).toContain(condition);
      }
      expect({ name, healthcheck: service.healthcheck !== undefined }).toEqual({ name, healthcheck: true });
      for (const volume of service.volumes ?? []) expect(Object.keys(compose.volumes ?? {})).toContain(volume.split(':')[0]);
    }
    for (const backend of ['eventstoredb', 'postgres', 'kafka']) expect(compose.services[backend]!.volumes?.length).toBe(1);
  });

  it('points every address at a service that exists and that the service waits for', () => {
    for (const [name, service] of apps) {
      const env = service.environment ?? {};
      const hosts = [
        env.EVENT_STORE === 'eventstoredb' ? new URL(env.EVENTSTORE_URL!).hostname : null,
        env.DATABASE_URL ? new URL(env.DATABASE_URL).hostname : null,
        env.READ_MODEL_DATABASE_URL ? new URL(env.READ_MODEL_DATABASE_URL).hostname : null,
        ...(env.KAFKA_BROKERS ?? '').split(',').filter(Boolean).map((b) => b.split(':')[0]!),
      ].filter((h): h is string => h !== null);
      for (const host of hosts) {
        expect(Object.keys(compose.services)).toContain(host);
        expect({ name, waitsFor: host, condition: service.depends_on?.[host]?.condition }).toEqual({ name, waitsFor: host, condition: 'service_healthy' });
      }
    }
  });

  it('starts every service: the configuration accepts the image environment plus what compose sets', () => {
    for (const [name, service] of apps) {
      expect({ name, problem: configurationProblem({ ...imageEnv, ...interpolated(service.environment ?? {}) }) }).toEqual({ name, problem: null });
    }
  });

  it('gives the projector its read-model database and the relay its brokers', () => {
    expect(compose.services.projector!.environment!.READ_MODEL_DATABASE_URL).toMatch(/^postgresql:\/\/.+@postgres:5432\//);
    expect(compose.services['crm-relay']!.environment!.KAFKA_BROKERS).toBe('kafka:9092');
  });

  for (const app of ['ledger-api', 'projector', 'crm-relay']) {
    // Every deployed app's health check calls /health/ready: the app must serve it (the HTTP services
    // through createServiceApp, the relay through startOperationsServer on OPERATIONS_PORT).
    it(`${app} serves the /health/ready its health check calls`, () => {
      expect(servesHealth(app)).toBe(true);
    });
  }
});

describe('Dockerfile', () => {
  it('builds in one stage, runs as a non-root user with a health check, and starts the app named by its argument', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/health\/ready/m);
    expect(dockerfile).toContain('dist/apps/${0}/src/main.js');
    expect(existsSync('apps/gesture-ledger/src/main.ts')).toBe(true);
  });

  it('runs every app on the port it EXPOSEs and its HEALTHCHECK probes, with no variable set beyond its own', () => {
    const [, exposed] = /^EXPOSE (\d+)$/m.exec(dockerfile)!;
    const [, check] = /^HEALTHCHECK [^\n]*\\\n\s*CMD node -e "(.+)"$/m.exec(dockerfile)!;
    // The check's own script, run with the image's environment: the URL it would fetch.
    let probed = '';
    new Function('process', 'fetch', check!)({ env: imageEnv, exit: () => undefined }, (url: string) => ((probed = url), new Promise(() => undefined)));
    const probedPort = new URL(probed).port;
    expect(probedPort).toBe(exposed);
    const settings = loadSettings({ ...imageEnv, JWT_SECRET: '5d41402abc4b2a76b9719d911017c592' });
    for (const app of readdirSync('apps').filter((a) => existsSync(`apps/${a}/src/main.ts`))) {
      expect({ app, listens: String(listeningPort(app, settings)) }).toEqual({ app, listens: probedPort });
    }
  });

  it('passes Node only flags it accepts in NODE_OPTIONS: a node given the image\'s starts (so do the apps, the health check and the CronJob)', () => {
    const [, nodeOptions] = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(dockerfile)!;
    const started = spawnSync(process.execPath, ['-e', 'process.exit(0)'], { env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: nodeOptions! }, encoding: 'utf8' });
    expect({ status: started.status, stderr: started.stderr }).toEqual({ status: 0, stderr: '' });
    // The flag NODE_OPTIONS may not carry is on the command line of every app.
    expect(dockerfile).toContain('exec node --initial-old-space-size=96 dist/apps/${0}/src/main.js');
  });

  it('sets only variables the services read', () => {
    const [, env] = /^ENV (.+)$/m.exec(dockerfile)!;
    for (const [variable] of env!.split(/\s+/).map((kv) => kv.split('='))) expect({ variable, read: readVariables.has(variable!) || variable === 'NODE_ENV' || variable === 'NODE_OPTIONS' }).toEqual({ variable, read: true });
  });
});

interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: { cpu?: string; memory?: string } };
}

describe('deploy/k8s', () => {
  const dir = 'deploy/k8s';
  const kustomization = yaml.load(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[]; images: Array<{ name: string }> };
  const objects = kustomization.resources.flatMap((file) => yaml.loadAll(readFileSync(join(dir, file), 'utf8')) as K8sObject[]);
  const secretExample = yaml.load(readFileSync(join(dir, 'secret.example.yaml'), 'utf8')) as K8sObject & { stringData: Record<string, string> };
  const configMaps = objects.filter((o) => o.kind === 'ConfigMap') as Array<K8sObject & { data: Record<string, string> }>;
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const containerOf = (d: K8sObject) => ((d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers)[0]!;

  it('lists only files that exist, and deploys each service', () => {
    for (const file of kustomization.resources) expect(existsSync(join(dir, file))).toBe(true);
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['crm-relay', 'ledger-api', 'projector']);
  });

  it('runs apps that exist, from the one image the kustomization names', () => {
    for (const d of deployments) {
      const container = containerOf(d);
      expect(existsSync(`apps/${container.args![0]}/src/main.ts`)).toBe(true);
      expect(kustomization.images.map((i) => i.name)).toContain(container.image);
    }
  });

  it('sets only variables the services read, from the ConfigMap and the Secret that exist', () => {
    for (const [key] of Object.entries(configMaps[0]!.data)) expect({ key, read: readVariables.has(key) || key === 'NODE_ENV' }).toEqual({ key, read: true });
    for (const d of deployments) {
      const container = containerOf(d);
      for (const ref of container.envFrom ?? []) expect(configMaps.map((c) => c.metadata.name)).toContain(ref.configMapRef!.name);
      for (const variable of container.env ?? []) {
        expect({ deployment: d.metadata.name, variable: variable.name, read: readVariables.has(variable.name) }).toEqual({ deployment: d.metadata.name, variable: variable.name, read: true });
        const secret = variable.valueFrom?.secretKeyRef;
        if (secret) {
          expect(secret.name).toBe(secretExample.metadata.name);
          expect(Object.keys(secretExample.stringData)).toContain(secret.key);
        }
      }
    }
  });

  it('listens where the Service and the probes point, and probes paths the services serve', () => {
    for (const d of deployments) {
      const container = containerOf(d);
      const app = container.args![0]!;
      const port = container.ports!.find((p) => p.name === 'http')!;
      const configured = container.env?.find((e) => e.name === portVariable[app])?.value;
      expect({ app, port: configured }).toEqual({ app, port: String(port.containerPort) });
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        expect(probe?.httpGet?.port).toBe('http');
        expect(probePaths).toContain(probe!.httpGet!.path);
      }
      expect(container.readinessProbe!.httpGet!.path).toBe('/health/ready');
      expect(container.livenessProbe!.httpGet!.path).toBe('/health/live');
      expect(container.resources?.requests?.cpu).toBeDefined();
      expect(container.resources?.requests?.memory).toBeDefined();
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === d.metadata.name) as K8sObject & { spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> } };
      expect(service.spec.ports[0]!.targetPort).toBe('http');
      expect(service.spec.selector).toEqual((d.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels);
    }
  });

  it('scales the API horizontally and runs the projector and the relay as one instance each, replaced not overlapped', () => {
    const spec = (name: string) => deployments.find((d) => d.metadata.name === name)!.spec as { replicas: number; strategy: { type: string } };
    expect(spec('ledger-api').strategy.type).toBe('RollingUpdate');
    expect(objects.find((o) => o.kind === 'HorizontalPodAutoscaler')?.spec).toMatchObject({ scaleTargetRef: { name: 'ledger-api' } });
    for (const single of ['projector', 'crm-relay']) expect(spec(single)).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
  });

  it('starts every Deployment and the CronJob: the configuration accepts the image environment, the ConfigMap and its env', () => {
    const workloads = objects.flatMap((o) => {
      const spec = o.spec as { template?: { spec: { containers: Container[] } }; jobTemplate?: { spec: { template: { spec: { containers: Container[] } } } } };
      const pod = o.kind === 'Deployment' ? spec.template!.spec : o.kind === 'CronJob' ? spec.jobTemplate!.spec.template.spec : null;
      return pod ? [{ name: o.metadata.name, container: pod.containers[0]! }] : [];
    });
    expect(workloads.length).toBe(deployments.length + 1);
    // The Secret as a user fills it in: the example's placeholders replaced by values of their own.
    const filledIn: Record<string, string> = { ...secretExample.stringData, JWT_SECRET: '7c1e9b04d3a28f56e0b4c9d71a3f8e25' };
    for (const { name, container } of workloads) {
      const env: Record<string, string> = { ...imageEnv };
      for (const ref of container.envFrom ?? []) Object.assign(env, configMaps.find((c) => c.metadata.name === ref.configMapRef!.name)!.data);
      const withSecret = (secret: Record<string, string>) => {
        const all = { ...env };
        for (const variable of container.env ?? []) all[variable.name] = variable.value ?? secret[variable.valueFrom!.secretKeyRef!.key]!;
        return all;
      };
      expect({ name, problem: configurationProblem(withSecret(filledIn)) }).toEqual({ name, problem: null });
      // Applied as it is, the example's placeholder secret is refused: it is public.
      if ((container.env ?? []).some((v) => v.name === 'JWT_SECRET')) {
        expect({ name, problem: configurationProblem(withSecret(secretExample.stringData)) }).toEqual({ name, problem: expect.stringMatching(/^JWT_SECRET: is a placeholder/) });
      }
    }
  });

  it('lets a drain finish before the pod is killed', () => {
    const shutdownMs = Number(configMaps[0]!.data.SHUTDOWN_TIMEOUT_MS);
    for (const d of deployments) {
      const grace = (d.spec as { template: { spec: { terminationGracePeriodSeconds: number } } }).template.spec.terminationGracePeriodSeconds;
      expect(grace * 1000).toBeGreaterThan(shutdownMs + 5_000);
    }
  });

  it('runs the loyalty expiry monthly, one run at a time, against the Services of the two APIs, with variables it reads', () => {
    const jobs = objects.filter((o) => o.kind === 'CronJob') as Array<K8sObject & { spec: { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: { containers: Array<Container & { command: string[] }> } } } } } }>;
    expect(jobs.map((j) => j.metadata.name)).toEqual(['loyalty-expiry']);
    const job = jobs[0]!;
    expect(job.spec.schedule).toMatch(/^\S+ \S+ 1 \* \*$/);
    expect(job.spec.concurrencyPolicy).toBe('Forbid');
    const container = job.spec.jobTemplate.spec.template.spec.containers[0]!;
    expect(kustomization.images.map((i) => i.name)).toContain(container.image);
    const script = container.command[1]!;
    expect(container.command[0]).toBe('node');
    expect(existsSync(script.replace(/^dist\//, '').replace(/\.js$/, '.ts'))).toBe(true);
    const scriptSource = readFileSync(script.replace(/^dist\//, '').replace(/\.js$/, '.ts'), 'utf8');
    for (const variable of container.env ?? []) {
      const read = readVariables.has(variable.name) || scriptSource.includes(`process.env.${variable.name}`);
      expect({ variable: variable.name, read }).toEqual({ variable: variable.name, read: true });
    }
    const services = objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name);
    for (const name of ['LEDGER_URL', 'READ_URL']) {
      const host = new URL(container.env!.find((e) => e.name === name)!.value!).hostname;
      expect(services).toContain(host);
    }
  });
});

describe('nest-cli.json', () => {
  const nest = JSON.parse(readFileSync('nest-cli.json', 'utf8')) as { monorepo: boolean; projects: Record<string, { type: string; root: string; sourceRoot: string }> };
  const folders = (kind: 'apps' | 'libs') => readdirSync(kind, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${kind}/${d.name}`).sort();

  it('is a monorepo manifest naming every app and library folder, and nothing else', () => {
    expect(nest.monorepo).toBe(true);
    const projects = Object.values(nest.projects);
    expect(projects.filter((p) => p.type === 'application').map((p) => p.root).sort()).toEqual(folders('apps'));
    expect(projects.filter((p) => p.type === 'library').map((p) => p.root).sort()).toEqual(folders('libs'));
    for (const project of projects) expect(existsSync(join(project.sourceRoot, project.type === 'application' ? 'main.ts' : 'index.ts'))).toBe(true);
  });
});
