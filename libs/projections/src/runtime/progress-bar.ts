import type { RebuildProgress } from './rebuild.js';

/** One line for a terminal: `[#####-----] 512,000 / 1,000,000 events  103,200 ev/s  4.7 s left  loading`. */
export function formatProgress(p: RebuildProgress, width = 30): string {
  const fraction = p.eventsTotal > 0 ? Math.min(1, p.eventsDone / p.eventsTotal) : p.phase === 'swapped' ? 1 : 0;
  const filled = Math.round(fraction * width);
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const left = p.secondsLeft === null ? '?' : p.secondsLeft.toFixed(1);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${n(p.eventsDone)} / ${n(p.eventsTotal)} events  ${n(p.eventsPerSecond)} ev/s  ${left} s left  ${p.phase}`;
}
