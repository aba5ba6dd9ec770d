/**
 * The finance read models: a hash-chained journal with one entry per gesture fact, spend by period and
 * dimension, a streamed CSV export, anomaly flags, recognition, all "as of" any past moment, and the
 * verifier that recomputes the journal from the event store.
 */
import type { Projection } from '../projection.js';
import { financeJournalProjection } from './finance-projection.js';

/** Registered with the projector beside the core projections. */
export const financeProjections: Projection[] = [financeJournalProjection];

export { financeJournalProjection } from './finance-projection.js';
export { financeTables, createFinanceTables, createFinanceIndexes } from './finance-tables.js';
export { journalFactsOf, journalFields, journalKinds, canonicalInstant, type JournalFacts, type JournalKind, type JournalLine } from './journal-line.js';
export { canonicalLine, chainLines, genesisHash, lineHash, type ChainHead, type HashedLine } from './hash-chain.js';
export { verifyJournal, type JournalProblem, type JournalProblemKind, type JournalVerification, type VerifyJournalOptions } from './verify-journal.js';
export { gestureLines, gestureOutcomes, type FinancePeriod, type GestureLine, type GestureLinePage, type GestureLineFilter } from './gesture-lines.js';
export { spendReport, SpendReportTooLarge, spendRowsMax, spendBuckets, spendDimensions, type SpendBucket, type SpendDimension, type SpendReport, type SpendRow } from './spend.js';
export { journalCsv, csvField, csvRecord, exportColumns } from './csv-export.js';
export { findAnomalies, anomalyRules, anomalyKinds, type AnomalyFlag, type AnomalyKind } from './anomalies.js';
export { recognitionReport, averageHundredths, type RecognitionReport, type EmployeeRecognition } from './recognition.js';
export { decimalOf, minorFromSql } from './minor-units.js';
export { mayReadFinance, recognitionScope, type RecognitionScope } from './finance-access.js';
export { QueryParams, type ParamError } from './query-params.js';
export { FinanceViews, type ReadModelReader } from './finance-views.js';
