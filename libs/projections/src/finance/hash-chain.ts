import { createHash, hash as digestOf } from 'node:crypto';
import { journalFields, type JournalFacts, type JournalLine } from './journal-line.js';

/** The hash before the first line: fixed, so two journals built from the same log hash alike. */
export const genesisHash = createHash('sha256').update('gesture-ledger/finance-journal/genesis/v1').digest('hex');

/** The line's fields as a JSON array in `journalFields` order: cheaper than sorting keys, and as stable. */
export function canonicalLine(line: JournalLine): string {
  return JSON.stringify(journalFields.map((field) => line[field]));
}

/** SHA-256(previous hash ‖ newline ‖ canonical line), hex: one call into the hash (a rebuild hashes every journal line). */
export function lineHash(previousHash: string, line: JournalLine): string {
  return digestOf('sha256', `${previousHash}\n${canonicalLine(line)}`, 'hex');
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export const emptyChain: ChainHead = { seq: 0, hash: genesisHash };

export interface HashedLine {
  readonly line: JournalLine;
  readonly hash: string;
}

/**
 * Numbers and hashes entries in order after `head`. Both the projection and the verifier go through
 * here, so a journal and its recomputation can only differ where the stored data does.
 */
export function chainLines(head: ChainHead, facts: readonly JournalFacts[]): { lines: HashedLine[]; head: ChainHead } {
  const lines: HashedLine[] = [];
  let { seq, hash } = head;
  for (const fact of facts) {
    // Spread first: V8 clones the object's shape in one step instead of copying field by field.
    const line: JournalLine = { ...fact, seq: ++seq };
    hash = lineHash(hash, line);
    lines.push({ line, hash });
  }
  return { lines, head: { seq, hash } };
}
