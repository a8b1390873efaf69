/**
 * The per-metric rollups' cutoff as a reader knows it (metric-rollup-schema.ts): loaded on first
 * use and again once a minute, so a reader started before migration 7, or before another migrator
 * recorded an earlier cutoff, comes to use them. Recorded cutoffs only ever fall (the smallest of
 * true statements is read), so a value a minute old is safe, only slower. The per-tag-value
 * rollups' keys and cutoffs (tag-rollup-schema.ts) are held the same way: `T` is what is loaded.
 */
export class RollupCutoff<T = number> {
  private value: T | null = null;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<T | null> | undefined;

  constructor(
    /** The cutoff in epoch ms; null when none is recorded. May reject: read as null until the next load. */
    private readonly load: () => Promise<T | null>,
    private readonly refreshMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Epoch ms from which the rollups are whole, or null: read the series rows. */
  async current(): Promise<T | null> {
    if (this.now() - this.loadedAt < this.refreshMs) return this.value;
    this.pending ??= this.load()
      .catch(() => null)
      .then((value) => {
        this.value = value;
        this.loadedAt = this.now();
        this.pending = undefined;
        return value;
      });
    return this.pending;
  }
}
