import { DataSource } from 'typeorm';

/** /ready answers within this even when the database hangs. */
export const READY_TIMEOUT_MS = 1_000;

/**
 * Whether the database answers `SELECT 1` within `timeoutMs`. One probe at a time: while a probe is
 * outstanding (a database that hangs never answers it) later checks wait for that one, so a hung database
 * ties up at most one pooled connection however often /ready is asked.
 */
export class ReadinessProbe {
  private pending: Promise<boolean> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly timeoutMs = READY_TIMEOUT_MS,
  ) {}

  async check(): Promise<boolean> {
    this.pending ??= this.dataSource
      .query('SELECT 1')
      .then(
        () => true,
        () => false,
      )
      .finally(() => {
        this.pending = null;
      });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    try {
      return await Promise.race([this.pending, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
