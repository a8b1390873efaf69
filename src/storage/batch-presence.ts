/**
 * Which rows of one metric's minute aggregates, with a bucket start in [firstStart, lastStart],
 * are asked about, and of which write batches (by the deduplication token each write carried).
 */
export interface BatchScope {
  readonly service: string;
  readonly metric: string;
  /** Epoch ms, inclusive: the earliest and latest bucket start of the rows asked about. */
  readonly firstStart: number;
  readonly lastStart: number;
  readonly tokens: readonly string[];
}

/**
 * A store that knows which write stored each of its rows (ClickHouse, whose minute rows carry
 * their insert's token). The query API asks it which fallback-outbox batches it holds already, so
 * that an answer merging the store with the outbox counts each batch once.
 */
export interface BatchPresence {
  /**
   * Per token of `scope.tokens`, how many rows in the scope the store holds that were written
   * with it; tokens it holds no such row of are absent. Reads only.
   */
  storedRows(scope: BatchScope): Promise<Map<string, number>>;
}
