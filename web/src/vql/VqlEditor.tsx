import { useRef, type KeyboardEvent, type ReactNode } from 'react';
import { highlight, type Piece } from './highlight';

export interface EditorError {
  readonly offset: number;
  readonly message: string;
}

/**
 * A VQL editor: a plain textarea (so typing, undo, selection and screen readers work as usual)
 * over a highlighted copy of its text. The server's error is underlined where it says it is.
 * Ctrl+Enter (Cmd+Enter) runs the query.
 */
export function VqlEditor({
  value,
  onChange,
  onRun,
  error,
}: {
  value: string;
  onChange: (text: string) => void;
  onRun: () => void;
  error?: EditorError;
}): ReactNode {
  const mirror = useRef<HTMLPreElement>(null);
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onRun();
    }
  };
  return (
    <div className="vql-editor">
      <pre ref={mirror} className="vql-mirror" aria-hidden="true">
        {renderPieces(highlight(value), error)}
        {'\n'}
      </pre>
      <textarea
        className="vql-input"
        value={value}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        aria-label="VQL query"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'vql-error' : undefined}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        onScroll={(e) => {
          if (mirror.current) {
            mirror.current.scrollTop = e.currentTarget.scrollTop;
            mirror.current.scrollLeft = e.currentTarget.scrollLeft;
          }
        }}
        data-testid="vql-input"
      />
    </div>
  );
}

function renderPieces(pieces: Piece[], error?: EditorError): ReactNode[] {
  const out: ReactNode[] = [];
  let marked = false;
  for (const p of pieces) {
    const at = error && !marked && error.offset >= p.start && error.offset < p.start + p.text.length;
    if (at && p.kind !== 'space') {
      marked = true;
      out.push(
        <span
          key={p.start}
          className={`tok-${p.kind} vql-error-mark`}
          data-testid="vql-error-mark"
          title={error.message}
        >
          {p.text}
        </span>,
      );
    } else if (at) {
      // An error on white space (say, a missing word): mark the one character the server points at.
      marked = true;
      const cut = error.offset - p.start;
      out.push(
        p.text.slice(0, cut),
        <span key={p.start} className="vql-error-mark" data-testid="vql-error-mark" title={error.message}>
          {p.text[cut] === '\n' ? ' \n' : p.text[cut]}
        </span>,
        p.text.slice(cut + 1),
      );
    } else
      out.push(
        p.kind === 'space' ? (
          p.text
        ) : (
          <span key={p.start} className={`tok-${p.kind}`}>
            {p.text}
          </span>
        ),
      );
  }
  if (error && !marked) {
    // At the very end (the query stops too early): a marker after the last character.
    out.push(
      <span
        key="end"
        className="vql-error-mark vql-error-end"
        data-testid="vql-error-mark"
        title={error.message}
      >
        {' '}
      </span>,
    );
  }
  return out;
}
