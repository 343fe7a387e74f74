/**
 * Whether a statement sent outside a transaction only reads: a plain SELECT (or WITH ... SELECT), with
 * no locking clause and no INTO. Such a statement can be sent again after its connection failed
 * without changing anything twice; any other statement might have been applied before the failure.
 * Leading comments and parentheses are skipped; anything not recognised counts as a write.
 */
export function isReadOnlyStatement(sql: string): boolean {
  const body = sql.replace(/^(?:\s|\(|\/\*[\s\S]*?\*\/)+/, "");
  if (!/^(?:select|with)\b/i.test(body)) return false;
  return !/\bfor\s+update\b|\block\s+in\s+share\s+mode\b|\bfor\s+share\b|\binto\b/i.test(body);
}
