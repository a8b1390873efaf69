import type { ReactNode } from 'react';
import { hrefWith } from '../../app/router';
import type { TraceSpanItem } from '../../api/types';
import { Link } from '../../components/Link';
import { formatMs, formatTime } from '../../time/format';
import { serviceViewAt, spanErrors, eventOffsetMs } from '../../traces/span-links';

/**
 * One span in full: what it is, its attributes, events and links, and its errors first when it
 * has any (status and exception events); links to its service's metrics at that time and to other
 * traces of the same operation.
 */
export function SpanDetails({ span, onClose }: { span: TraceSpanItem; onClose: () => void }): ReactNode {
  const errors = spanErrors(span);
  const attributes = Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <aside
      className="card span-details"
      aria-labelledby="span-title"
      data-testid="span-details"
      data-span-id={span.spanId}
    >
      <header className="card-head">
        <h2 id="span-title">
          {span.service}: {span.name}
        </h2>
        <button type="button" className="secondary" onClick={onClose} aria-label="Close the span's details">
          ✕
        </button>
      </header>
      <dl className="span-facts">
        <dt>Start</dt>
        <dd>{formatTime(span.start, true)}</dd>
        <dt>Duration</dt>
        <dd>{formatMs(span.durationMs)}</dd>
        <dt>Kind</dt>
        <dd>{span.kind}</dd>
        <dt>Status</dt>
        <dd className={span.status === 'error' ? 'span-error' : undefined}>{span.status}</dd>
        <dt>Span ID</dt>
        <dd>
          <code>{span.spanId}</code>
        </dd>
      </dl>
      <p className="span-links">
        <Link href={serviceViewAt(span)} data-testid="span-service-link">
          {span.service}’s metrics at this time
        </Link>
        {' · '}
        <Link href={hrefWith('/traces', { service: span.service, operation: span.name })}>
          Other traces of this operation
        </Link>
      </p>
      {errors.length > 0 ? (
        <section aria-label="Errors" data-testid="span-errors">
          <h3>Errors</h3>
          {errors.map((e, i) => (
            <div key={i} className="span-error-box" role="note">
              <strong>{e.title}</strong>
              {e.message ? <p>{e.message}</p> : null}
              {e.stack ? <pre className="span-stack">{e.stack}</pre> : null}
            </div>
          ))}
        </section>
      ) : null}
      <section aria-label="Attributes">
        <h3>Attributes ({attributes.length})</h3>
        {attributes.length === 0 ? (
          <p className="muted small">none</p>
        ) : (
          <table className="kv" data-testid="span-attributes">
            <tbody>
              {attributes.map(([k, v]) => (
                <tr key={k} data-key={k}>
                  <th scope="row">{k}</th>
                  <td>{String(v)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-label="Events">
        <h3>Events ({span.events.length})</h3>
        {span.events.length === 0 ? (
          <p className="muted small">none</p>
        ) : (
          <ol className="span-events" data-testid="span-events">
            {span.events.map((e, i) => (
              <li key={i}>
                <span className="muted small">+{formatMs(eventOffsetMs(span, e.timeUnixNano))}</span>{' '}
                <strong>{e.name}</strong>
                {Object.keys(e.attributes).length > 0 ? (
                  <table className="kv">
                    <tbody>
                      {Object.entries(e.attributes).map(([k, v]) => (
                        <tr key={k}>
                          <th scope="row">{k}</th>
                          <td>{String(v)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </section>
      <section aria-label="Links">
        <h3>Links ({span.links.length})</h3>
        {span.links.length === 0 ? (
          <p className="muted small">none</p>
        ) : (
          <ul className="span-events">
            {span.links.map((l, i) => (
              <li key={i}>
                <Link href={hrefWith(`/traces/${l.traceId}`, { span: l.spanId })}>
                  <code>
                    {l.traceId}/{l.spanId}
                  </code>
                </Link>
                {Object.entries(l.attributes).map(([k, v]) => (
                  <span key={k} className="muted small">
                    {' '}
                    {k}={String(v)}
                  </span>
                ))}
              </li>
            ))}
          </ul>
        )}
      </section>
    </aside>
  );
}
