import { Counter, Gauge, Histogram } from 'prom-client';
import type { GaugeConfiguration, Registry } from 'prom-client';

/**
 * A self-metric's name: the seed's, which start with `vantage_`. Grafana dashboards and Prometheus
 * rules in deploy/ read these names, so a name without the prefix does not compile rather than
 * ship under a name nothing reads.
 */
export type MetricName = `vantage_${string}`;

type Collect<L extends string> = GaugeConfiguration<L>['collect'];

/**
 * Declares self-metrics on one role's registry: each role serves its own registry on its own port
 * (`createRoleRegistry`), so a metric registered anywhere else would never be scraped. The label
 * names given are the metric's label type, so the labels a caller may set cannot drift from the
 * ones declared.
 */
export interface MetricFactory {
  counter<L extends string = string>(name: MetricName, help: string, labelNames?: readonly L[]): Counter<L>;
  /** `collect` runs when Prometheus scrapes, for a gauge read from elsewhere rather than set. */
  gauge<L extends string = string>(
    name: MetricName,
    help: string,
    labelNames?: readonly L[],
    collect?: Collect<L>,
  ): Gauge<L>;
  /** A gauge whose one value is `read()` when Prometheus scrapes. */
  readGauge(name: MetricName, help: string, read: () => number): Gauge;
  /** Buckets are each histogram's own: they follow the time or size it measures. */
  histogram<L extends string = string>(
    name: MetricName,
    help: string,
    buckets: readonly number[],
    labelNames?: readonly L[],
  ): Histogram<L>;
}

/** The one place that turns a metric's declaration into prom-client's, on `registry`. */
export function metricsOn(registry: Registry): MetricFactory {
  const registers = [registry];
  const gauge = <L extends string>(
    name: MetricName,
    help: string,
    labelNames: readonly L[] = [],
    collect?: Collect<L>,
  ): Gauge<L> => new Gauge({ name, help, labelNames, registers, collect });
  return {
    counter: (name, help, labelNames = []) => new Counter({ name, help, labelNames, registers }),
    gauge,
    readGauge: (name, help, read) =>
      gauge(name, help, [], function () {
        this.set(read());
      }),
    histogram: (name, help, buckets, labelNames = []) =>
      new Histogram({ name, help, labelNames, buckets: [...buckets], registers }),
  };
}

/**
 * A set of self-metrics declared once and created on each registry it is given (a test's or a
 * role's), with whatever else `declare` reads from (`args`, for gauges read at scrape time). Its
 * type is what `declare` returns, so each metric's kind and labels are stated once.
 */
export function metricSet<T, A extends unknown[] = []>(
  declare: (m: MetricFactory, ...args: A) => T,
): (registry: Registry, ...args: A) => Readonly<T> {
  return (registry, ...args) => declare(metricsOn(registry), ...args);
}
