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

/**
 * A query the VQL front end refuses, with the position of what to change: a VantageError (the one
 * error type, which carries a position) whose field is `vql`, answered by the API as any other.
 */
export class VqlError extends VantageError {
  declare readonly code: VqlErrorCode;
  declare readonly position: Position;
  /** The message without the position, for clients that show the position themselves. */
  readonly reason: string;

  constructor(code: VqlErrorCode, reason: string, position: Position) {
    super(code, {
      message: VQL_ERRORS[code].message
        // A function replacer: the reason may quote user text, where '$&' must stay literal.
        .replace('{reason}', () => reason)
        .replace('{line}', () => String(position.line))
        .replace('{column}', () => String(position.column)),
      field: 'vql',
      position,
    });
    this.reason = reason;
  }

  get line(): number {
    return this.position.line;
  }

  get column(): number {
    return this.position.column;
  }

  get offset(): number {
    return this.position.offset;
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
