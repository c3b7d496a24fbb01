import { EventEmitter } from 'node:events';
import { ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { Kind, OperationDefinitionNode } from 'graphql';
import { Context } from '../context';
import { ROLLUPS_CHANGED, STOCK_CHANGED } from '../events';
import { Role } from '../graphql/enums';
import { serializeOnce } from '../graphql/result-json';
import { addDays, Clock, shanghaiDate } from '../time';

/** How long a whole answer is kept at most: a rebuild of the rollups (no events) shows after this long. */
export const ANSWER_TTL_MS = 10 * 60_000;
/** Changes dated just before midnight may still commit this long after it. */
export const SETTLE_MS = 5 * 60_000;
const ANSWERS_KEPT = 64;

/** What one dashboard request read: its ranges, whether it read current stock, and what changed meanwhile. */
export class AnswerRead {
  readonly ranges: [string, string][] = [];
  readsStock = false;
  readonly changedDays = new Set<string>();
  stockChanged = false;

  /** Whether a change heard since the read began touches what it read. */
  get stale(): boolean {
    if (this.readsStock && this.stockChanged) return true;
    for (const day of this.changedDays) if (covers(this.ranges, day)) return true;
    return false;
  }
}

interface Answer {
  ranges: [string, string][];
  readsStock: boolean;
  /** The day it was computed: low stock and expiring lots depend on today. */
  day: string;
  until: number;
  data: Record<string, unknown>;
}

function covers(ranges: [string, string][], day: string): boolean {
  return ranges.some(([from, to]) => from <= day && day <= to);
}

/** The last closed day: before today, and before yesterday in the first minutes after midnight. */
export function lastClosedDay(clock: Clock): string {
  return addDays(shanghaiDate(new Date(clock().getTime() - SETTLE_MS)), -1);
}

/** An operation whose root fields are all `dashboard` (a __typename aside). */
function onlyDashboard(operation: OperationDefinitionNode): boolean {
  if (operation.operation !== 'query') return false;
  let dashboards = 0;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return false;
    if (selection.name.value === 'dashboard') dashboards++;
    else if (selection.name.value !== '__typename') return false;
  }
  return dashboards > 0;
}

/**
 * Whole dashboard answers for closed ranges, by document, variables and role. An answer is dropped when a
 * rollup day inside one of its ranges changes, and when stock changes if it read current stock (lowStock,
 * stockValue, expiringLots); changes arrive as events after their commit, from every instance through
 * Redis when REDIS_URL is set. A read during which such a change arrived is not kept.
 */
export class DashboardAnswerCache {
  private readonly answers = new Map<string, Answer>();
  private readonly reading = new Set<AnswerRead>();

  constructor(
    events: EventEmitter,
    private readonly clock: Clock,
  ) {
    events.on(ROLLUPS_CHANGED, (days: string[]) => this.rollupsChanged(days));
    events.on(STOCK_CHANGED, () => this.stockChanged());
  }

  /** Answers kept now. */
  get size(): number {
    return this.answers.size;
  }

  private rollupsChanged(days: string[]): void {
    for (const read of this.reading) for (const day of days) read.changedDays.add(day);
    for (const [key, answer] of this.answers)
      if (days.some((day) => covers(answer.ranges, day))) this.answers.delete(key);
  }

  private stockChanged(): void {
    for (const read of this.reading) read.stockChanged = true;
    for (const [key, answer] of this.answers) if (answer.readsStock) this.answers.delete(key);
  }

  private find(key: string): Answer | null {
    const answer = this.answers.get(key);
    if (!answer) return null;
    if (answer.until > this.clock().getTime() && answer.day === shanghaiDate(this.clock())) return answer;
    this.answers.delete(key);
    return null;
  }

  private keep(key: string, read: AnswerRead, data: Record<string, unknown>): void {
    const lastClosed = lastClosedDay(this.clock);
    if (!read.ranges.length || read.ranges.some(([, to]) => to > lastClosed) || read.stale) return;
    this.answers.delete(key);
    // Answers never change once kept: their JSON is written once for every request they answer.
    serializeOnce(data);
    this.answers.set(key, {
      ranges: read.ranges,
      readsStock: read.readsStock,
      day: shanghaiDate(this.clock()),
      until: this.clock().getTime() + ANSWER_TTL_MS,
      data,
    });
    if (this.answers.size > ANSWERS_KEPT) this.answers.delete(this.answers.keys().next().value!);
  }

  /**
   * Answers a dashboard-only query from a kept answer, or keeps the answer it produces. The request's read
   * is found by DashboardService through `readOf(context)`.
   */
  plugin(): ApolloServerPlugin<Context> {
    return {
      requestDidStart: async () => {
        let key: string | null = null;
        let read: AnswerRead | null = null;
        return {
          responseForOperation: async ({ operation, request, contextValue }) => {
            const role = contextValue.principal?.role;
            if ((role !== Role.OFFICIAL && role !== Role.ADMIN) || !onlyDashboard(operation)) return null;
            key = `${role}|${request.operationName ?? ''}|${JSON.stringify(request.variables ?? {})}|${request.query}`;
            const answer = this.find(key);
            if (answer) {
              key = null;
              return {
                http: { headers: new HeaderMap(), status: undefined },
                body: { kind: 'single', singleResult: { data: answer.data } },
              };
            }
            read = new AnswerRead();
            this.reading.add(read);
            reads.set(contextValue, read);
            return null;
          },
          willSendResponse: async ({ response }) => {
            if (!read || !key) return;
            this.reading.delete(read);
            const body = response.body;
            if (body.kind === 'single' && !body.singleResult.errors && body.singleResult.data)
              this.keep(key, read, body.singleResult.data);
          },
        };
      },
    };
  }
}

const reads = new WeakMap<object, AnswerRead>();

/** The read of a request whose answer may be kept, if any. */
export function readOf(context: object): AnswerRead | undefined {
  return reads.get(context);
}
