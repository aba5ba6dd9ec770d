import type { EventStore } from '#event-store';
import type { Query } from '../projection.js';
import { assertSchemaName, liveSchema } from '../sql-names.js';
import { findAnomalies, type AnomalyFlag } from './anomalies.js';
import { journalCsv } from './csv-export.js';
import { gestureLines, type FinancePeriod, type GestureLineFilter, type GestureLinePage } from './gesture-lines.js';
import { recognitionReport, type RecognitionFilter, type RecognitionReport } from './recognition.js';
import { spendReport, type SpendBucket, type SpendDimension, type SpendReport } from './spend.js';
import { verifyJournal, type JournalVerification } from './verify-journal.js';

/** A reader of the read-model database: a `SqlDriver` (pg pool, PGlite) or a transaction's query. */
export interface ReadModelReader {
  query: Query;
}

/** Every finance view over the live read models, as the query API and the audit script call them. */
export class FinanceViews {
  private readonly schema: string;
  private readonly query: Query;

  constructor(db: ReadModelReader, schema: string = liveSchema) {
    this.schema = assertSchemaName(schema);
    this.query = (text, params) => db.query(text, params);
  }

  journal(filter: GestureLineFilter): Promise<GestureLinePage> {
    return gestureLines(this.query, this.schema, filter);
  }

  spend(period: FinancePeriod, groupBy: SpendBucket, by: SpendDimension, rowsMax?: number): Promise<SpendReport> {
    return spendReport(this.query, this.schema, period, groupBy, by, rowsMax);
  }

  exportCsv(period: FinancePeriod): AsyncGenerator<string> {
    return journalCsv(this.query, this.schema, period);
  }

  anomalies(period: FinancePeriod): Promise<AnomalyFlag[]> {
    return findAnomalies(this.query, this.schema, period);
  }

  recognition(filter: RecognitionFilter): Promise<RecognitionReport> {
    return recognitionReport(this.query, this.schema, filter);
  }

  verify(store: EventStore): Promise<JournalVerification> {
    return verifyJournal({ store, query: this.query, schema: this.schema });
  }
}
