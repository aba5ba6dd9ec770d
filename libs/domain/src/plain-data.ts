/**
 * JSON text with object keys sorted, so two plain-data values are equal exactly when their texts
 * are. Used to recognise a repeated command and by the test helpers; not for values with Maps.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function samePlainData(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
