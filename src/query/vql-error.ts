import { ERRORS, VantageError } from '../core/index.js';
import type { ErrorCode, TextPosition } from '../core/index.js';

/**
 * Errors of the VQL front end. Every one carries the position of the token at fault so that a
 * client can underline it; the codes are in the core catalog (VTG_VQL_*).
 */
export type VqlErrorCode = Extract<ErrorCode, `VTG_VQL_${string}`>;

/** The VQL part of the core error catalog. */
export const VQL_ERRORS = Object.fromEntries(
  Object.entries(ERRORS).filter(([code]) => code.startsWith('VTG_VQL_')),
) as { readonly [C in VqlErrorCode]: (typeof ERRORS)[C] };

/** Where a token or node starts: 1-based line and column (in UTF-16 code units), 0-based offset. */
export type Position = TextPosition;

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

/** The same error as the API reports it: code, message, field `vql` and the position. */
export function toVantageError(err: VqlError): VantageError {
  return new VantageError(err.code, {
    message: err.message,
    field: err.field,
    position: { line: err.line, column: err.column, offset: err.offset },
    cause: err,
  });
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
