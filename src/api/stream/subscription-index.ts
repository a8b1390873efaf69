/** What a subscription asks for; an absent service or metric matches any. */
export interface SubscriptionFilter {
  readonly service: string | undefined;
  readonly metric: string | undefined;
  /** Tag equalities, all of which must hold. */
  readonly tags: readonly (readonly [string, string])[];
}

/**
 * The live subscriptions of every stream, filed by what they name, so that matching one aggregate
 * costs four map look-ups plus the tag checks of the subscriptions found, however many others
 * there are: a thousand dashboards each watching their own service cost each point one look-up
 * that finds a handful.
 */
export class SubscriptionIndex<S extends SubscriptionFilter> {
  private readonly byServiceAndMetric = new Map<string, Set<S>>();
  private readonly byService = new Map<string, Set<S>>();
  private readonly byMetric = new Map<string, Set<S>>();
  private readonly everything = new Set<S>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(subscription: S): void {
    const bucket = this.bucketOf(subscription, true) as Set<S>;
    if (bucket.has(subscription)) return;
    bucket.add(subscription);
    this.count++;
  }

  remove(subscription: S): void {
    const bucket = this.bucketOf(subscription, false);
    if (!bucket?.delete(subscription)) return;
    this.count--;
    if (bucket.size === 0) this.dropEmpty(subscription);
  }

  /**
   * Calls `visit` with each subscription matching a point of `service`'s `metric`. `tagsOf` gives
   * the point's tags; it is called only when a subscription filters on tags, at most once.
   */
  forEachMatch(
    service: string,
    metric: string,
    tagsOf: () => Readonly<Record<string, string>>,
    visit: (subscription: S) => void,
  ): void {
    if (this.count === 0) return;
    let tags: Readonly<Record<string, string>> | undefined;
    const scan = (bucket: Set<S> | undefined): void => {
      if (bucket === undefined) return;
      for (const s of bucket) {
        if (s.tags.length > 0) {
          tags ??= tagsOf();
          if (!tagsMatch(s.tags, tags)) continue;
        }
        visit(s);
      }
    };
    scan(this.byServiceAndMetric.get(pairKey(service, metric)));
    scan(this.byService.get(service));
    scan(this.byMetric.get(metric));
    scan(this.everything);
  }

  private bucketOf(s: S, create: boolean): Set<S> | undefined {
    if (s.service !== undefined && s.metric !== undefined)
      return bucket(this.byServiceAndMetric, pairKey(s.service, s.metric), create);
    if (s.service !== undefined) return bucket(this.byService, s.service, create);
    if (s.metric !== undefined) return bucket(this.byMetric, s.metric, create);
    return this.everything;
  }

  private dropEmpty(s: S): void {
    if (s.service !== undefined && s.metric !== undefined)
      this.byServiceAndMetric.delete(pairKey(s.service, s.metric));
    else if (s.service !== undefined) this.byService.delete(s.service);
    else if (s.metric !== undefined) this.byMetric.delete(s.metric);
  }
}

function bucket<S>(map: Map<string, Set<S>>, key: string, create: boolean): Set<S> | undefined {
  let set = map.get(key);
  if (set === undefined && create) map.set(key, (set = new Set()));
  return set;
}

/** Service names cannot hold NUL (the collector's schema), so the pair key is unambiguous. */
function pairKey(service: string, metric: string): string {
  return `${service}\u0000${metric}`;
}

function tagsMatch(
  wanted: readonly (readonly [string, string])[],
  tags: Readonly<Record<string, string>>,
): boolean {
  for (const [key, value] of wanted) {
    if (!Object.hasOwn(tags, key) || tags[key] !== value) return false;
  }
  return true;
}
