import { addDays } from '../src/time';

/** What the export case needs of the gateway process: its port and its memory counters. */
export interface ExportTarget {
  port: number;
  reset(): Promise<unknown>;
  stats(): Promise<{ rss: number; peakRss: number }>;
}

export interface ExportRow {
  range: string;
  rows: number;
  megabytes: number;
  seconds: number;
  rowsPerSecond: number;
  /** The gateway's resident memory before the download and at its peak during it. */
  rssBeforeMb: number;
  peakRssMb: number;
}

const MB = 1048576;

/** Downloads one movements export and counts its rows (lines after the header) as they stream in. */
async function download(target: ExportTarget, key: string, from: string, to: string, label: string) {
  await target.reset();
  const before = await target.stats();
  const started = process.hrtime.bigint();
  const res = await fetch(`http://127.0.0.1:${target.port}/export/movements.csv?from=${from}&to=${to}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (res.status !== 200 || !res.body) throw new Error(`export ${from}..${to} answered ${res.status}`);
  let lines = 0;
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 10) lines++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = await target.stats();
  const rows = Math.max(0, lines - 1);
  const row: ExportRow = {
    range: label,
    rows,
    megabytes: Math.round((bytes / MB) * 10) / 10,
    seconds: Math.round(seconds * 10) / 10,
    rowsPerSecond: Math.round(rows / seconds),
    rssBeforeMb: Math.round(before.rss / MB),
    peakRssMb: Math.round(after.peakRss / MB),
  };
  console.log(
    `  export ${label.padEnd(10)} ${row.rows} rows (${row.megabytes} MB) in ${row.seconds} s: ${row.rowsPerSecond} rows/s, RSS ${row.rssBeforeMb} MB before, peak ${row.peakRssMb} MB`,
  );
  return row;
}

/**
 * The CSV export of the stock ledger, streamed batch by batch: a month and the whole year (366 days up to
 * yesterday) one after the other, with the gateway's peak RSS during each. Memory is flat when the year's
 * peak is about the month's, though the year holds twelve times the rows.
 */
export async function exportCase(
  target: ExportTarget,
  warehouseKey: string,
  today: string,
): Promise<ExportRow[]> {
  const yesterday = addDays(today, -1);
  return [
    await download(target, warehouseKey, addDays(today, -30), yesterday, '30 days'),
    await download(target, warehouseKey, addDays(today, -366), yesterday, '366 days'),
  ];
}
