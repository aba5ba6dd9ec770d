/** Injection tokens of the query API. */
export const READ_QUERIES = Symbol('ReadQueries');
export const PROJECTION_STATUS = Symbol('ProjectionStatus');
