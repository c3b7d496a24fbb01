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

/**
 * The most one order may be worth, and so one line: 9,999,999,999,999.99 yuan, the largest price. One
 * order's total is then exact as a JS number (below Number.MAX_SAFE_INTEGER), and a BIGINT column summing
 * such orders (a day's rollup row) holds 9,223 of them. Sums over rows are taken as DECIMAL (MySQL's SUM) or
 * as bigint in JS, never as BIGINT products.
 */
export const MAX_ORDER_TOTAL_FEN = 999_999_999_999_999n;

/**
 * The first line at which the lines so far come to more than MAX_ORDER_TOTAL_FEN at their unit prices, with
 * that sum; null when the whole order is within it.
 */
export function lineOverOrderTotal(
  lines: { quantity: number; unitPriceFen: bigint }[],
): { index: number; totalFen: bigint } | null {
  let totalFen = 0n;
  for (const [index, line] of lines.entries()) {
    totalFen += line.unitPriceFen * BigInt(line.quantity);
    if (totalFen > MAX_ORDER_TOTAL_FEN) return { index, totalFen };
  }
  return null;
}
