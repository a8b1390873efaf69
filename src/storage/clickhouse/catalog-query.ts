import type { MetricType } from '../../core/index.js';
import type { MetricPageRequest, MetricSummary, PageRequest, ServiceSummary } from '../store.js';

/** SQL text with its parameters: every user value travels as a {name:Type} parameter. */
interface CatalogSql<Row, Out> {
  readonly sql: string;
  readonly params: Record<string, unknown>;
  readonly toSummary: (row: Row) => Out;
}

interface ServiceRow {
  readonly name: string;
  readonly metricCount: string;
  readonly lastSeen: string;
}

interface MetricRow {
  readonly name: string;
  readonly types: MetricType[];
  readonly tagKeys: string[];
  readonly seriesCount: string;
  readonly lastSeen: string;
}

/**
 * One page of services from the series catalog, in name order: the table's key starts with the
 * service, so the page reads only the granules after `after`.
 */
export function servicesPageSql(
  seriesTable: string,
  page: PageRequest,
): CatalogSql<ServiceRow, ServiceSummary> {
  return {
    sql: `SELECT service_name AS name, uniqExact(metric_name) AS metricCount,
              toUnixTimestamp64Milli(max(last_seen)) AS lastSeen
       FROM ${seriesTable} WHERE service_name > {after:String}
       GROUP BY service_name ORDER BY service_name LIMIT {limit:UInt32}`,
    params: { after: page.after ?? '', limit: page.limit },
    toSummary: (r) => ({ name: r.name, metricCount: Number(r.metricCount), lastSeen: Number(r.lastSeen) }),
  };
}

/** One page of a service's metrics (optionally only some names) from the series catalog. */
export function metricsPageSql(
  seriesTable: string,
  service: string,
  page: MetricPageRequest,
): CatalogSql<MetricRow, MetricSummary> {
  const byName = page.names === undefined ? '' : 'AND metric_name IN {names:Array(String)}';
  return {
    sql: `SELECT metric_name AS name, groupUniqArray(type) AS types,
              groupUniqArrayArray(mapKeys(tags)) AS tagKeys,
              uniqExact(type, series_id) AS seriesCount,
              toUnixTimestamp64Milli(max(last_seen)) AS lastSeen
       FROM ${seriesTable}
       WHERE service_name = {service:String} AND metric_name > {after:String} ${byName}
       GROUP BY metric_name ORDER BY metric_name LIMIT {limit:UInt32}`,
    params: {
      service,
      after: page.after ?? '',
      limit: page.limit,
      ...(page.names ? { names: page.names } : {}),
    },
    toSummary: (r) => ({
      name: r.name,
      types: [...r.types].sort(),
      tagKeys: [...r.tagKeys].sort(),
      seriesCount: Number(r.seriesCount),
      lastSeen: Number(r.lastSeen),
    }),
  };
}
