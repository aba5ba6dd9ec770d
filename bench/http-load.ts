import { connect, type Socket } from 'node:net';
import { LatencyRecorder } from './harness.js';

/** One request of a load run; built fresh for every send (unique idempotency keys). */
export interface LoadRequest {
  method: 'POST' | 'GET';
  path: string;
  /** Bearer token, sent as `authorization`. */
  bearer?: string;
  /** JSON text. */
  body?: string;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /** Requests per second over all connections (paced); unpaced when absent. */
  ratePerS?: number;
  /** Called just before each send; `sentAt` is `performance.now()` at that moment. */
  next: (sentAt: number) => LoadRequest;
  /** Called with each complete response. */
  onResponse?: (status: number, body: string) => void;
}

export interface LoadReport {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU this load generator spent per request (user + system of the whole process while it ran). */
  clientCpuUsPerRequest: number;
}

const responseTimeoutMs = 30_000;

/**
 * A keep-alive HTTP/1.1 load generator on raw sockets: one request in flight per connection, requests
 * written as one buffer, responses parsed only as far as status and Content-Length. It exists because
 * the load generator shares this machine's two cores with the server it measures: autocannon with a
 * per-request body (unique idempotency keys) spent ~600 µs of CPU per request here — more than the
 * server — which capped every HTTP figure at the client. This one spends a small fraction of that; the
 * report carries its CPU per request so the cost of measuring is visible beside the measurement.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { hostname, port } = new URL(options.url);
  const host = `${hostname}:${port}`;
  const latency = new LatencyRecorder();
  const report = { requests: 0, ok: 0, non2xx: 0, errors: 0 };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const intervalMs = options.ratePerS ? 1000 / options.ratePerS : 0;
  let slots = 0;

  const worker = async () => {
    let connection: HttpConnection | null = null;
    while (performance.now() < deadline) {
      if (intervalMs > 0) {
        const slot = started + slots++ * intervalMs;
        if (slot >= deadline) break;
        const wait = slot - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      connection ??= await HttpConnection.open(hostname, Number(port));
      const sentAt = performance.now();
      const request = options.next(sentAt);
      report.requests++;
      try {
        const { status, body } = await connection.send(encode(request, host));
        latency.record((performance.now() - sentAt) * 1e6);
        if (status >= 200 && status < 300) report.ok++;
        else report.non2xx++;
        options.onResponse?.(status, body);
      } catch {
        report.errors++;
        connection.close();
        connection = null;
      }
    }
    connection?.close();
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { ...report, seconds, p50Ms: latency.p50Ms, p99Ms: latency.p99Ms, clientCpuUsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, report.requests)) };
}

function encode(request: LoadRequest, host: string): Buffer {
  const body = request.body ?? '';
  let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${host}\r\n`;
  if (request.bearer) head += `authorization: Bearer ${request.bearer}\r\n`;
  if (request.body !== undefined) head += `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  return Buffer.from(`${head}\r\n${body}`, 'utf8');
}

/** One keep-alive connection with at most one request in flight. */
class HttpConnection {
  private received: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
      this.tryComplete();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  static open(host: string, port: number): Promise<HttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new HttpConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  send(request: Buffer): Promise<{ status: number; body: string }> {
    if (this.waiting) throw new Error('one request in flight per connection');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no response within ${responseTimeoutMs} ms`)), responseTimeoutMs);
      this.waiting = { resolve, reject, timer };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private tryComplete(): void {
    if (!this.waiting) return;
    const headEnd = this.received.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.received.toString('latin1', 0, headEnd);
    const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!lengthMatch) return this.fail(new Error(`response without content-length: ${head.split('\r\n')[0]}`));
    const bodyStart = headEnd + 4;
    const bodyEnd = bodyStart + Number(lengthMatch[1]);
    if (this.received.length < bodyEnd) return;
    const status = Number(head.slice(9, 12));
    const body = this.received.toString('utf8', bodyStart, bodyEnd);
    this.received = this.received.subarray(bodyEnd);
    const { resolve, timer } = this.waiting;
    clearTimeout(timer);
    this.waiting = null;
    resolve({ status, body });
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.waiting = null;
    this.socket.destroy();
    waiting.reject(error);
  }
}
