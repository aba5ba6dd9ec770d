import type pg from 'pg';

/**
 * `COPY … FROM STDIN` of one piece of text (COPY's text format) on a connection of `pool`: PostgreSQL's
 * cheapest way into a table, for bulk loads such as a read-model rebuild. `pg` runs a COPY only through a
 * "submittable" that answers the server's CopyInResponse, which this is (no extra dependency).
 */
export async function copyIn(pool: pg.Pool, statement: string, data: string): Promise<void> {
  if (!/^\s*copy\s[\s\S]*\sfrom\s+stdin\b/i.test(statement)) throw new Error(`copyIn needs a COPY … FROM STDIN statement, got: ${statement.slice(0, 80)}`);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      void client.query(new CopyFromText(statement, data, resolve, (error) => {
        // A server error leaves the connection usable; anything else (a dropped socket) does not.
        if (!('severity' in error)) broken = error;
        reject(error);
      }) as unknown as pg.QueryConfig);
    });
  } finally {
    client.release(broken);
  }
}

/** The parts of `pg`'s connection a submittable talks to. */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

class CopyFromText {
  private failure: Error | null = null;
  private settled = false;
  /**
   * Set by `pg` when the connection has a `query_timeout`: it clears that deadline's timer, which otherwise
   * keeps this query (and its text, megabytes for a rebuild's batch) alive until it fires.
   */
  callback?: (error?: Error) => void;

  constructor(
    private readonly text: string,
    private readonly data: string,
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
  ) {}

  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    if (this.data.length > 0) connection.sendCopyFromChunk(Buffer.from(this.data, 'utf8'));
    connection.endCopyFrom();
  }

  handleError(error: Error): void {
    // pg hands the ReadyForQuery after an error to no query (it clears the active one first): settle now.
    this.failure ??= error;
    this.settle();
  }

  handleReadyForQuery(): void {
    this.settle();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.callback?.(this.failure ?? undefined);
    if (this.failure) this.reject(this.failure);
    else this.resolve();
  }

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}
