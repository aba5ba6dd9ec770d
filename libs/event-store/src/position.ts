/**
 * A position in the global log. For the SQL adapters `commit` is the writing transaction's id (xid8)
 * and `prepare` the row's sequence number; for EventStoreDB they are its own commit/prepare positions.
 * Either way positions are totally ordered by (commit, prepare).
 */
export interface Position {
  commit: bigint;
  prepare: bigint;
}

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** Checkpoints are stored as text: `<commit>/<prepare>`. */
export function positionToString(p: Position): string {
  return `${p.commit}/${p.prepare}`;
}

export function parsePosition(text: string): Position {
  const match = /^(\d{1,20})\/(\d{1,20})$/.exec(text);
  if (!match) throw new Error(`not a log position: ${JSON.stringify(text)}`);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}
