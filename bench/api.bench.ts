import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { mintToken, type CallerRole } from '#auth';
import { samplePolicy } from '#domain';
import { cpuMicros, spawnLedgerApi } from './api-server.js';
import { inParallel, postJson, type BenchRow } from './harness.js';
import { runLoad, type LoadReport, type LoadRequest } from './http-load.js';

const jwt = { hs256Secret: 'bench-secret-bench-secret-bench-secret-01', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
const EMPLOYEES = 2000;

/**
 * Gestures through HTTP with budgets enforced: many employees (tills of six stores acting for them),
 * the same at a fixed 2,000/s for latency, and one hot employee under 16 connections, checked
 * afterwards for overspend.
 */
export async function benchApi(seconds: number, databaseUrl: string | undefined): Promise<BenchRow[]> {
  // The measured replica only serves requests, as API replicas do when another instance expires escalations.
  const env: Record<string, string> = { JWT_SECRET: jwt.hs256Secret, SEED_SAMPLE_POLICY: 'true', NODE_ENV: 'production', EXPIRE_ESCALATIONS: 'false' };
  if (databaseUrl) Object.assign(env, { EVENT_STORE: 'postgres', DATABASE_URL: databaseUrl });
  else Object.assign(env, { EVENT_STORE: 'embedded', DATA_DIR: `/tmp/gl-bench-api-${Date.now()}` });
  const adapter = databaseUrl ? 'postgres' : 'embedded';
  const server = await spawnLedgerApi(env, 3990);
  try {
    const run = Date.now().toString(36);
    const stores = Object.keys(samplePolicy().stores).sort();
    const admin = await mintToken(jwt, { sub: 'bench-admin', roles: ['admin'] });
    const tills = await Promise.all(stores.map((s) => mintToken(jwt, { sub: `till-${s}`, roles: ['pos-system' as CallerRole], store: s })));
    const employees = Array.from({ length: EMPLOYEES }, (_, i) => ({ id: `b${run}-e${i}`, store: i % stores.length }));
    await inParallel(64, employees, (e) => postJson(server.url, '/budgets', admin, { employeeId: e.id, role: 'associate', storeId: stores[e.store], allowanceOverrideMinor: 50_000_000, idempotencyKey: `enrol-${e.id}` }));

    let seq = 0;
    const gesture = (e: { id: string; store: number }): LoadRequest => {
      const n = seq++;
      return {
        method: 'POST',
        path: '/gestures',
        bearer: tills[e.store],
        body: JSON.stringify({
          employeeId: e.id,
          customerId: `c-${n % 100_000}`,
          gestureType: 'goodwill_credit',
          amountMinor: 100 + (n % 400),
          currency: 'USD',
          channel: 'pos',
          storeId: stores[e.store],
          reasonCode: 'service_failure',
          note: 'late delivery',
          occurredAt: new Date().toISOString(),
          idempotencyKey: `${run}-${n}`,
        }),
      };
    };

    // The server's CPU per request is the figure that noise from other processes on the machine disturbs least.
    const cpuPerRequest = async (run: () => Promise<LoadReport>): Promise<{ result: LoadReport; cpuMicrosPerRequest: number }> => {
      const before = server.cpuMicros();
      const result = await run();
      return { result, cpuMicrosPerRequest: Math.round((server.cpuMicros() - before) / Math.max(1, result.requests)) };
    };
    const many = await cpuPerRequest(() => runLoad({ url: server.url, connections: 64, seconds, next: () => gesture(employees[seq % EMPLOYEES]!) }));
    const paced = await cpuPerRequest(() => runLoad({ url: server.url, connections: 32, seconds, ratePerS: 2000, next: () => gesture(employees[seq % EMPLOYEES]!) }));

    // One employee, 16 connections: the allowance runs out mid-run, and not one cent may pass it.
    const hot = { id: `b${run}-hot`, store: 0 };
    const allowance = 400_000;
    await postJson(server.url, '/budgets', admin, { employeeId: hot.id, role: 'associate', storeId: stores[0], allowanceOverrideMinor: allowance, idempotencyKey: `enrol-${hot.id}` });
    let grantedMinor = 0;
    let granted = 0;
    let refused = 0;
    const onHotResponse = (status: number, body: string) => {
      if (status !== 201) return;
      const outcome = JSON.parse(body) as { outcome: string; cost?: { amountMinor: number } };
      if (outcome.outcome === 'granted') {
        granted++;
        grantedMinor += outcome.cost!.amountMinor;
      } else refused++;
    };
    const hot16 = await cpuPerRequest(() => runLoad({ url: server.url, connections: 16, seconds, next: () => gesture(hot), onResponse: onHotResponse }));
    const budget = (await get(server.url, `/budgets/${hot.id}`, admin)) as { periods: Array<{ allowanceMinor: number; spentMinor: number; reservedMinor: number }> };
    const spent = budget.periods.reduce((s, p) => s + p.spentMinor + p.reservedMinor, 0);
    const overspendMinor = Math.max(0, spent - allowance);

    const row = (scenario: string, r: LoadReport, extra: BenchRow['extra'] = {}): BenchRow => ({
      group: 'api',
      adapter,
      scenario,
      rate: r.ok / r.seconds,
      unit: 'gestures/s',
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      extra: { non_2xx: r.non2xx, errors: r.errors, ...extra, client_cpu_us_per_request: r.clientCpuUsPerRequest },
    });
    return [
      row(`POST /gestures, ${EMPLOYEES} employees, 64 connections, budgets enforced`, many.result, { server_cpu_us_per_request: many.cpuMicrosPerRequest, server_peak_rss_mb: server.peakRssMb() }),
      row('POST /gestures paced at 2,000/s, 32 connections', paced.result, { server_cpu_us_per_request: paced.cpuMicrosPerRequest }),
      row('hot employee: 16 connections, one budget', hot16.result, {
        server_cpu_us_per_request: hot16.cpuMicrosPerRequest,
        granted,
        refused_allowance_exhausted: refused,
        granted_sum_minor: grantedMinor,
        budget_spent_minor: spent,
        allowance_minor: allowance,
        overspend_minor: overspendMinor,
        consistent: grantedMinor === spent && overspendMinor === 0,
      }),
    ];
  } finally {
    await server.stop();
  }
}

/**
 * The anchors' no-op ceiling (NestJS 12 + Fastify, validated POST, built by `../shared/anchors/run-all.sh`)
 * driven by this benchmark's own client with the same connections: the ratio of gestures/s to this row
 * compares two servers under one load generator. The anchor prints its figure under autocannon, whose
 * own CPU per request on this machine is several times this client's; both ratios are worth quoting.
 */
export async function benchNoopCeiling(seconds: number): Promise<BenchRow[]> {
  const dir = process.env.ANCHORS_DIR ?? join('..', 'shared', 'anchors');
  const script = join(dir, 'dist', 'nest-fastify-noop.js');
  if (!existsSync(script)) {
    console.error(`api bench: ${script} not built (run ../shared/anchors/run-all.sh first); no-op ceiling under this client skipped`);
    return [];
  }
  const port = 3997;
  const child = spawn(process.execPath, [script], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  try {
    const url = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 20_000; ; ) {
      if (await fetch(`${url}/`).then(() => true, () => false)) break;
      if (Date.now() > deadline) throw new Error('anchor no-op did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const body = '{"employeeId":"e-1","customerId":"c-1","amountMinor":500,"currency":"USD","type":"goodwill_credit","idempotencyKey":"k-1"}';
    const before = cpuMicros(child.pid!);
    const result = await runLoad({ url, connections: 64, seconds, next: () => ({ method: 'POST', path: '/gestures', body }) });
    const serverCpu = Math.round((cpuMicros(child.pid!) - before) / Math.max(1, result.requests));
    return [{ group: 'api', adapter: 'anchor', scenario: 'ceiling: anchor no-op validated POST, this client, 64 connections', rate: result.ok / result.seconds, unit: 'requests/s', p50Ms: result.p50Ms, p99Ms: result.p99Ms, extra: { non_2xx: result.non2xx, server_cpu_us_per_request: serverCpu, client_cpu_us_per_request: result.clientCpuUsPerRequest } }];
  } finally {
    child.kill('SIGTERM');
  }
}


async function get(url: string, path: string, bearer: string): Promise<unknown> {
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${bearer}` } });
  return res.json();
}


