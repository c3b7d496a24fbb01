import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Excel reads a UTF-8 file without it as the local code page, and the Chinese names come out garbled. */
export const BOM = '\uFEFF';
/** RFC 4180 ends records with CRLF. */
export const CRLF = '\r\n';

/** A cell: text is quoted as needed, numbers and money (already a Decimal string) go as they are. */
export type Cell = string | number | null | undefined | { decimal: string };

/** Text that Excel and LibreOffice would run as a formula when the cell starts with one of these. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field, RFC 4180: quoted when it holds a comma, a quote, CR or LF (quotes doubled). Text that would
 * start a spreadsheet formula (=, +, -, @) is prefixed with an apostrophe, so a merchant's name cannot
 * run in the office's Excel; numbers and money are never changed.
 */
export function csvField(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return String(cell);
  let text = typeof cell === 'string' ? cell : cell.decimal;
  if (typeof cell === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(cells: readonly Cell[]): string {
  return cells.map(csvField).join(',') + CRLF;
}

/** A column: its header in English and Chinese, and how a row of type T fills it. */
export interface Column<T> {
  en: string;
  zh: string;
  value(row: T): Cell;
}

export type Language = 'en' | 'zh';

export function headerRecord<T>(columns: readonly Column<T>[], language: Language): string {
  return csvRecord(columns.map((column) => column[language]));
}

/** Writes `text`, waiting for the socket to drain first when its buffer is full; false once it closed. */
export async function writeChunk(out: Writable, text: string): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(text)) return true;
  const done = new AbortController();
  const waits = [once(out, 'drain', { signal: done.signal }), once(out, 'close', { signal: done.signal })];
  await Promise.race(waits).finally(() => done.abort());
  await Promise.allSettled(waits);
  return !out.destroyed;
}
