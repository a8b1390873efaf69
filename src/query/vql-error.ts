/**
 * Errors of the VQL front end. Every one carries the position of the token at fault so that a
 * client can underline it. The entries of VQL_ERRORS are meant to move into the core catalog
 * (src/core/errors.ts); until then they live here with the same shape.
 */
export const VQL_ERRORS = {
  VTG_VQL_QUERY_TOO_LONG: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_SYNTAX_ERROR: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_COMMENT_NOT_ALLOWED: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_MULTIPLE_STATEMENTS: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_UNKNOWN_TABLE: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_UNKNOWN_COLUMN: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_UNKNOWN_FUNCTION: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_SELECT_STAR: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_UNAGGREGATED_VALUE: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_NOT_GROUPED: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_DUPLICATE_COLUMN: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_ARGUMENT: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_CONDITION: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_TIME: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_TIME_RANGE: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_ORDER_BY: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_LIMIT: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_TOO_COMPLEX: { status: 400, message: '{reason} at line {line}, column {column}' },
} as const satisfies Record<string, { status: number; message: string }>;

export type VqlErrorCode = keyof typeof VQL_ERRORS;

/** Where a token or node starts: 1-based line and column (in UTF-16 code units), 0-based offset. */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** A query the VQL front end refuses, with the position of what to change. */
export class VqlError extends Error {
  readonly code: VqlErrorCode;
  readonly statusCode: number;
  /** The request field at fault, for the API's error body. */
  readonly field = 'vql';
  /** The message without the position, for clients that show the position themselves. */
  readonly reason: string;
  readonly line: number;
  readonly column: number;
  readonly offset: number;

  constructor(code: VqlErrorCode, reason: string, position: Position) {
    super(
      VQL_ERRORS[code].message
        // A function replacer: the reason may quote user text, where '$&' must stay literal.
        .replace('{reason}', () => reason)
        .replace('{line}', () => String(position.line))
        .replace('{column}', () => String(position.column)),
    );
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = VQL_ERRORS[code].status;
    this.reason = reason;
    this.line = position.line;
    this.column = position.column;
    this.offset = position.offset;
  }
}

/** The position of `offset` in `text`; lines end at \n (a \r\n pair counts once). */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1, offset };
}
