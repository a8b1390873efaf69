export { tokenize } from './lexer.js';
export type { Token } from './lexer.js';
// The logical plan is the query module's contract with the stores' compilers: all of it is public.
export type * from './plan.js';
export { filterFields, readsEverySeries, tagRollupKey } from './planner.js';
export { prepareVql } from './vql.js';
export { VqlError, positionAt } from './vql-error.js';
export type { Position, VqlErrorCode } from './vql-error.js';
export { shapeVqlAnswer } from './result.js';
export type { VqlAnswer, VqlRow, VqlValue } from './result.js';
