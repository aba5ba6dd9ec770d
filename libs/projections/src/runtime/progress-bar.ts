import { START, type ReadFrom } from '#event-store';
import type { RebuildProgress } from './rebuild.js';

/** One line for a terminal: `[#####-----] 512,000 / 1,000,000 events  103,200 ev/s  4.7 s left  loading`. */
export function formatProgress(p: RebuildProgress, width = 30): string {
  const fraction = p.eventsTotal > 0 ? Math.min(1, p.eventsDone / p.eventsTotal) : p.phase === 'swapped' ? 1 : 0;
  const filled = Math.round(fraction * width);
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const left = p.secondsLeft === null ? '?' : p.secondsLeft.toFixed(1);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${n(p.eventsDone)} / ${n(p.eventsTotal)} events  ${n(p.eventsPerSecond)} ev/s  ${left} s left  ${p.phase}`;
}

/**
 * The events a rebuild has in all, estimated: no store knows how many events its log holds, but every store
 * knows positions, and they grow through the log (a sequence with gaps for the SQL stores, a byte offset in
 * the transaction file for EventStoreDB). So the total is the events done over the share of the head's
 * position reached; before the first batch, unknown (0).
 */
export function estimatedTotal(eventsDone: number, reached: ReadFrom, head: ReadFrom): number {
  if (reached === START || head === START || eventsDone === 0) return eventsDone;
  const share = Math.min(1, Number(reached.prepare) / Number(head.prepare));
  return share >= 1 ? eventsDone : Math.max(eventsDone, Math.round(eventsDone / share));
}
