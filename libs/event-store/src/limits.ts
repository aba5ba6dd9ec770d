/** Hard limits shared by every adapter; each one keeps a queue, a payload or a loop bounded. */
export const limits = {
  streamNameMaxLength: 200,
  eventTypeMaxLength: 100,
  eventsPerAppendMax: 500,
  eventBytesMax: 256 * 1024,
  readCountMax: 10_000,
  subscriptionBatchMax: 5_000,
  /** Shares a log can be cut into for followers working side by side (`LogPartition`). */
  logPartitionsMax: 64,
} as const;
