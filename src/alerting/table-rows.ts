/**
 * A row as a store reads it back, from the function that writes it (the one place each table's
 * columns are named): numbers may arrive as text, since ClickHouse sends Int64 columns as JSON
 * strings, so readers take them through Number().
 */
export type ReadBack<Write extends (...args: never[]) => object> = {
  readonly [K in keyof ReturnType<Write>]:
    ReturnType<Write>[K] | (ReturnType<Write>[K] extends number | null ? string : never);
};
