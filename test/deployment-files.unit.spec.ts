import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';

/**
 * No Docker engine runs where the project is developed, so the compose file and Dockerfile are
 * checked by parsing them against the code: every app they run exists, every variable they set is
 * one the services read (and documented in .env.example), every dependency is a declared service.
 */
interface Compose {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown>; build?: string; image?: string; healthcheck?: unknown }>;
}

const compose = yaml.load(readFileSync('docker-compose.yml', 'utf8')) as Compose;
const settingsSource = readFileSync('libs/config/src/settings.ts', 'utf8');
const envExample = readFileSync('.env.example', 'utf8');
const readVariables = new Set([...settingsSource.matchAll(/env(?:\.|\[')([A-Z_]+)/g), ...settingsSource.matchAll(/'([A-Z][A-Z_]+)'/g)].map((m) => m[1]!));

describe('docker-compose.yml', () => {
  const apps = Object.entries(compose.services).filter(([, s]) => s.build);

  it('runs only apps that exist in apps/', () => {
    expect(apps.length).toBeGreaterThan(0);
    for (const [name, service] of apps) {
      const app = service.command?.[0] ?? 'gesture-ledger';
      expect({ name, exists: existsSync(`apps/${app}/src/main.ts`) }).toEqual({ name, exists: true });
    }
  });

  it('sets only variables the services read, each documented in .env.example', () => {
    for (const [, service] of apps) {
      for (const variable of Object.keys(service.environment ?? {})) {
        expect({ variable, read: readVariables.has(variable) || variable === 'NODE_ENV' }).toEqual({ variable, read: true });
        expect({ variable, documented: new RegExp(`^${variable}=`, 'm').test(envExample) }).toEqual({ variable, documented: true });
      }
    }
  });

  it('depends only on declared services, and gives every service a health check', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) expect(Object.keys(compose.services)).toContain(dependency);
      expect({ name, healthcheck: service.healthcheck !== undefined }).toEqual({ name, healthcheck: true });
    }
  });

  it('points the event store settings at services that exist', () => {
    for (const [, service] of apps) {
      const env = service.environment ?? {};
      if (env.EVENT_STORE === 'eventstoredb') expect(Object.keys(compose.services)).toContain(new URL(env.EVENTSTORE_URL!).hostname);
      if (env.EVENT_STORE === 'postgres') expect(Object.keys(compose.services)).toContain(new URL(env.DATABASE_URL!).hostname);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  it('builds in one stage, runs as a non-root user with a health check, and starts the app named by its argument', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toContain('dist/apps/${0}/src/main.js');
    expect(existsSync('apps/gesture-ledger/src/main.ts')).toBe(true);
  });
});
