import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Lifecycle } from './lifecycle.js';
import { drainInOrder } from './shutdown.js';

const silent = pino({ level: 'silent' });

describe('drainInOrder', () => {
  it('marks the service draining first, then runs the steps one after another, once', async () => {
    const lifecycle = new Lifecycle();
    const order: string[] = [];
    const step = (name: string) => ({ name, run: async () => {
      order.push(`${name}:${lifecycle.draining}`);
      await new Promise((r) => setTimeout(r, 5));
    } });
    const stop = drainInOrder([step('http'), step('consumer'), step('store')], { lifecycle, logger: silent, timeoutMs: 1_000 });
    const [first, second] = await Promise.all([stop(), stop()]);
    expect([first, second]).toEqual([true, true]);
    expect(order).toEqual(['http:true', 'consumer:true', 'store:true']);
  });

  it('still closes what follows a failing step, and reports the failure', async () => {
    const closed: string[] = [];
    const stop = drainInOrder(
      [
        { name: 'http', run: async () => { throw new Error('boom'); } },
        { name: 'store', run: async () => { closed.push('store'); } },
      ],
      { lifecycle: new Lifecycle(), logger: silent, timeoutMs: 1_000 },
    );
    expect(await stop()).toBe(false);
    expect(closed).toEqual(['store']);
  });

  it('gives up after the timeout', async () => {
    const stop = drainInOrder([{ name: 'stuck', run: () => new Promise<void>(() => undefined) }], { lifecycle: new Lifecycle(), logger: silent, timeoutMs: 50 });
    const started = Date.now();
    expect(await stop()).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
