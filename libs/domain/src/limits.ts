/**
 * Every bound the domain enforces, with its unit in the name. The shell should bound its DTOs with
 * the same numbers so that an over-long input is rejected at the edge, not by an assertion here.
 */
export const limits = {
  idLengthMax: 128,
  reasonCodeLengthMax: 64,
  noteLengthMax: 1_000,
  commentLengthMax: 2_000,
  /** A till's clock may run ahead of the server's by this much before its gesture is refused. */
  clockSkewToleranceMinutes: 10,
  /**
   * How old a gesture sent by a staff member's own session may be (its retries, a slow network). Older
   * ones are a till's offline upload, which only a till sends: the limit keeps staff from charging
   * yesterday's unused allowance today.
   */
  liveRequestAgeMinutesMax: 60,
  /**
   * How long after a budget period ends an offline till may still upload a gesture into it. The
   * budget state forgets periods older than this, which is what keeps it small.
   */
  lateUploadWindowDays: 35,
  /**
   * How far ahead of the clock an adjustment may take effect. Each future period it names stays in the
   * budget state until it closes, so without a bound one adjustment dated 9999 would never be forgotten.
   */
  adjustmentLeadDaysMax: 366,
  openEscalationsPerEmployeeMax: 50,
  gesturesPerPeriodMax: 1_000,
  /** Refused requests are remembered for idempotent replay; the oldest are forgotten first. */
  refusalsRememberedMax: 500,
  pointsPerCommandMax: 10_000_000,
  /**
   * A point's value and the earning rate, bounded so that their products with the largest point count above and
   * the largest amount the edge takes (10^10 minor units) stay safe integers: a policy beyond them would turn
   * requests into assertion failures rather than answers.
   */
  pointValueMinorMax: 1_000_000,
  earnPointsPerMajorUnitMax: 10_000,
  /** Purchase, redemption, bonus and feedback ids a loyalty stream remembers for idempotency. */
  loyaltyIdsRememberedMax: 1_000,
  /** Twelve months for the rolling spend, plus the month rolling out. */
  spendBucketsMax: 13,
  storesPerPolicyMax: 10_000,
  reasonCodesPerGestureTypeMax: 50,
  tiersMax: 10,
  escalationTtlMinutesMax: 7 * 24 * 60,
  pointsExpireAfterMonthsMax: 120,
} as const;
