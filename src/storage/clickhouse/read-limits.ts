import { ClickHouseError } from '@clickhouse/client';
import type { VantageError } from '../../core/index.js';
import { answerTooLarge, tooCostly, tooManySeries } from '../answer-limits.js';

/** ClickHouse's TOO_MANY_ROWS: max_rows_to_read was reached (read_overflow_mode=throw). */
const TOO_MANY_ROWS = '158';
/** ClickHouse's TOO_MANY_ROWS_OR_BYTES: max_result_rows was reached (result_overflow_mode=throw). */
const TOO_MANY_ROWS_OR_BYTES = '396';

/**
 * The coded refusal for a query ClickHouse stopped at one of the store's read limits: the
 * server counts the rows it reads and returns as it goes, so neither is ever held whole here.
 */
export function overLimitError(
  err: unknown,
  limits: { readonly rowsToRead: number; readonly resultRows: number; readonly rowsAreSeries: boolean },
): VantageError | undefined {
  if (!(err instanceof ClickHouseError)) return undefined;
  if (err.code === TOO_MANY_ROWS || err.type === 'TOO_MANY_ROWS')
    return tooCostly('rows', 0, limits.rowsToRead, err);
  if (err.code === TOO_MANY_ROWS_OR_BYTES || err.type === 'TOO_MANY_ROWS_OR_BYTES') {
    return limits.rowsAreSeries
      ? tooManySeries(limits.resultRows, err)
      : answerTooLarge(limits.resultRows, err);
  }
  return undefined;
}
