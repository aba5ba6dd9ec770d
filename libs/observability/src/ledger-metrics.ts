import type { Counter, Histogram } from 'prom-client';
import type { CommandOutcomeLabel, LedgerObserver } from '#ledger';
import type { ServiceMetrics } from './metrics.js';

/**
 * The ledger's observer port reported to Prometheus. Label children are bound once per (type, outcome)
 * and kept, so the hot path does two map lookups and no label-object allocation.
 */
export function ledgerMetrics(metrics: ServiceMetrics): LedgerObserver {
  const counters = new Map<string, Map<CommandOutcomeLabel, Counter.Internal>>();
  const latencies = new Map<string, Histogram.Internal<'type'>>();
  const counterOf = (type: string, outcome: CommandOutcomeLabel) => {
    let byOutcome = counters.get(type);
    if (!byOutcome) counters.set(type, (byOutcome = new Map()));
    let counter = byOutcome.get(outcome);
    if (!counter) byOutcome.set(outcome, (counter = metrics.commands.labels(type, outcome)));
    return counter;
  };
  const latencyOf = (type: string) => {
    let histogram = latencies.get(type);
    if (!histogram) latencies.set(type, (histogram = metrics.decisionSeconds.labels(type)));
    return histogram;
  };
  return {
    commandAnswered(type, outcome, seconds) {
      counterOf(type, outcome).inc();
      latencyOf(type).observe(seconds);
    },
    appended(commands, events) {
      metrics.appends.inc();
      metrics.appendedEvents.inc(events);
      metrics.commandsPerAppend.observe(commands);
    },
    conflicted: () => metrics.conflicts.inc(),
    retried: () => metrics.retries.inc(),
    budgetUtilised: (ratio) => metrics.budgetUtilisation.observe(ratio),
  };
}
