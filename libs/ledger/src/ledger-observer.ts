/**
 * What the ledger reports about its own work, for metrics. A port, so the ledger stays free of any
 * metrics library; every method is called on the hot path and must stay cheap (no I/O, no allocation
 * beyond a label lookup).
 */
export interface LedgerObserver {
  /** A command was answered: its type, how it ended, and the seconds from arrival to answer. */
  commandAnswered(commandType: string, outcome: CommandOutcomeLabel, seconds: number): void;
  /** One append to a stream: how many commands were decided together, how many events they wrote. */
  appended(commands: number, events: number): void;
  /** Another process wrote to the stream first (expected-revision conflict). */
  conflicted(): void;
  /** The commands were decided again on the reloaded state after a conflict. */
  retried(): void;
  /** Share of a period's allowance spent or reserved after a gesture was charged (0..1). */
  budgetUtilised(ratio: number): void;
}

export type CommandOutcomeLabel = 'granted' | 'escalated' | 'refused' | 'accepted' | 'unchanged' | 'forbidden' | 'error';

export const silentObserver: LedgerObserver = {
  commandAnswered: () => undefined,
  appended: () => undefined,
  conflicted: () => undefined,
  retried: () => undefined,
  budgetUtilised: () => undefined,
};
