import { useState, type FormEvent, type ReactNode } from 'react';
import { useLocation, useSetParams } from '../../app/router';
import { apiDelete, apiGet, apiPost } from '../../api/client';
import type { NewSilenceRequest, SilenceItem, SilencesResponse } from '../../api/types';
import { useApi } from '../../api/use-api';
import { formatMatchers, parseMatchers } from '../../alerts/alerts-view';
import { DataTable } from '../../components/DataTable';
import { Empty, ErrorBox, Loading } from '../../components/StateViews';
import { parseDurationMs } from '../../traces/trace-search';

/**
 * Silences: the list (newest first; expired ones as the API keeps them), a form to create one from
 * matchers as typed (`service="checkout", severity=~"crit.*"`) and a duration, and a button to
 * expire one now. The matchers may come prefilled from the URL (`?tab=silences&matchers=...`).
 */
export function SilencesPanel(): ReactNode {
  const { params } = useLocation();
  const setParams = useSetParams();
  const found = useApi('silences', (s) => apiGet<SilencesResponse>('/v1/silences', {}, s));
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const list = found.state.data?.silences;

  const create = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string): string => String(form.get(name) ?? '').trim();
    const { matchers, problems } = parseMatchers(text('matchers'));
    const duration = text('duration');
    if (problems.length) return setProblem(problems.join('; '));
    if (!parseDurationMs(duration) || !/[smhd]$/.test(duration))
      return setProblem('a duration such as 30m, 2h or 1d');
    const body: NewSilenceRequest = {
      matchers,
      endsAt: `now+${duration}`,
      ...(text('createdBy') ? { createdBy: text('createdBy') } : {}),
      ...(text('comment') ? { comment: text('comment') } : {}),
    };
    setBusy(true);
    apiPost<{ silence: SilenceItem }>('/v1/silences', body).then(
      () => {
        setBusy(false);
        setProblem(undefined);
        setParams({ matchers: undefined });
        found.reload();
      },
      (err: unknown) => {
        setBusy(false);
        setProblem(err instanceof Error ? err.message : String(err));
      },
    );
  };

  const expire = (id: string): void => {
    apiDelete<{ silence: SilenceItem }>(`/v1/silences/${encodeURIComponent(id)}`).then(
      found.reload,
      (err: unknown) => setProblem(err instanceof Error ? err.message : String(err)),
    );
  };

  let table: ReactNode;
  if (found.state.status === 'error' && !list)
    table = <ErrorBox title="Could not read the silences" error={found.state.error} onRetry={found.reload} />;
  else if (!list) table = <Loading />;
  else if (list.length === 0)
    table = (
      <Empty>
        <h2>No silences</h2>
        <p>Nothing is held back.</p>
      </Empty>
    );
  else
    table = (
      <DataTable
        testId="silences-table"
        columns={['State', 'Matchers', 'Starts', 'Ends', 'By', 'Comment', '']}
        rows={list.map((s) => [
          s.state,
          formatMatchers(s.matchers),
          s.startsAt,
          s.endsAt,
          s.createdBy,
          s.comment,
          '',
        ])}
        cell={(r, c) => {
          const s = list[r];
          if (!s) return undefined;
          if (c === 2) return new Date(s.startsAt).toLocaleString();
          if (c === 3) return new Date(s.endsAt).toLocaleString();
          if (c === 0) return <span className={`silence-state silence-state-${s.state}`}>{s.state}</span>;
          if (c === 6 && s.state !== 'expired')
            return (
              <button type="button" className="small" onClick={() => expire(s.id)}>
                Expire
              </button>
            );
          return undefined;
        }}
      />
    );

  return (
    <>
      <form
        className="trace-search silence-form"
        aria-label="New silence"
        onSubmit={create}
        key={params.get('matchers') ?? ''}
      >
        <label className="field wide">
          Matchers
          <input
            name="matchers"
            aria-label="Matchers"
            defaultValue={params.get('matchers') ?? ''}
            placeholder='service="checkout", severity=~"crit.*"'
          />
        </label>
        <label className="field">
          For
          <input name="duration" aria-label="Duration" defaultValue="2h" placeholder="2h" />
        </label>
        <label className="field">
          By
          <input name="createdBy" aria-label="Created by" placeholder="name" />
        </label>
        <label className="field wide">
          Comment
          <input name="comment" aria-label="Comment" placeholder="why" />
        </label>
        <button type="submit" disabled={busy}>
          Create silence
        </button>
        {problem ? (
          <span className="field-problem" role="alert" data-testid="silence-problem">
            {problem}
          </span>
        ) : null}
      </form>
      {table}
    </>
  );
}
