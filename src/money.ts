/** Money in the domain: whole fen as bigint, written as yuan with two decimals. */

/** 1235n -> "12.35"; -5n -> "-0.05". */
export function formatFen(fen: bigint): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const yuan = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}

/** "12.35" -> 1235n; null when it is not a non-negative amount with at most two decimals. */
export function parseYuanToFen(value: string): bigint | null {
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(value);
  if (!match) return null;
  return BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}
