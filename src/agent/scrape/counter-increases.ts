/** A counter series' last reading from one target. */
interface Reading {
  readonly value: number;
  /** When the counter started (OpenMetrics `_created`), epoch ms; NaN when not exposed. */
  readonly createdMs: number;
}

/**
 * Turns one target's running counter totals into increases, the way the collector's JSON path
 * takes counters (deltas, summed per minute).
 *
 * The state lives in the agent because the agent is the one place that sees every reading of a
 * target's series, in order: no ordering across collectors to worry about, nothing new on the
 * wire. It is bounded by the scrape's sample limit: after each successful scrape it holds exactly
 * the counter series that scrape exposed (a series gone from the exposition is forgotten, as
 * Prometheus marks it stale), so it never outgrows one scrape.
 *
 * - First reading of a series: a baseline, no increase, unless the target says (`_created`) that
 *   the counter was born since the agent last looked, in which case all of its value is new.
 * - A value below the last one, or a later `_created`: the counter restarted, and the new value is
 *   what it counted since.
 * - A failed scrape changes nothing: the next good one measures from the last good one, so the
 *   increase across an outage is kept, not lost.
 */
export class CounterIncreases {
  private last = new Map<string, Reading>();
  private next = new Map<string, Reading>();
  private lastGoodScrapeMs: number | undefined;

  constructor(
    /** When the agent started watching this target; counters born after it are counted whole. */
    private readonly watchingSinceMs: number,
  ) {}

  /** Counter series held from the last good scrape. */
  get size(): number {
    return this.last.size;
  }

  /**
   * The increase of one series since the target's last good scrape, or undefined for a baseline.
   * `createdMs` is NaN when the exposition has no `_created` for it.
   */
  observe(key: string, value: number, createdMs: number): number | undefined {
    this.next.set(key, { value, createdMs });
    const previous = this.last.get(key);
    if (previous === undefined) {
      const since = this.lastGoodScrapeMs ?? this.watchingSinceMs;
      return createdMs >= since ? value : undefined;
    }
    const restarted = createdMs > previous.createdMs || value < previous.value;
    return restarted ? value : value - previous.value;
  }

  /** The scrape went through: what it observed becomes the state; series it lacked are forgotten. */
  commit(scrapeMs: number): void {
    this.last = this.next;
    this.next = new Map();
    this.lastGoodScrapeMs = scrapeMs;
  }

  /** The scrape failed part way: what it observed is forgotten, the last good state stays. */
  abandon(): void {
    this.next = new Map();
  }
}
