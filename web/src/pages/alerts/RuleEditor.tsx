import { useState, type ReactNode } from 'react';
import { parse, stringify } from 'yaml';
import { apiGet, apiPost, apiPut } from '../../api/client';
import type { RuleGroupItem, RulePreviewResponse, RulesResponse } from '../../api/types';
import { useApi } from '../../api/use-api';
import { previewSummary } from '../../alerts/alerts-view';
import { DataTable } from '../../components/DataTable';
import { ErrorBox, Loading } from '../../components/StateViews';

/** A new group starts from this. */
export const NEW_GROUP = `name: my-group
interval: 30s
rules:
  - alert: LatencyHigh
    vql: >-
      SELECT service_name, p99(value) FROM metrics
      WHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 5m
      GROUP BY service_name
    condition: '> 500'
    for: 2m
    labels: { severity: critical }
`;

/** `0s`, `0ms`: the default, left out of the text. */
const isZero = (duration: string): boolean => /^0[a-z]*$/.test(duration);

/** A group as GET /v1/rules shows it, as the YAML of the file format (what PUT takes, as JSON). */
export function groupYaml(g: RuleGroupItem): string {
  return stringify({
    name: g.name,
    interval: g.interval,
    rules: g.rules.map((r) => ({
      alert: r.alert,
      vql: r.vql,
      ...(r.kind === 'no_data' ? { no_data: true } : { condition: r.condition }),
      ...(isZero(r.for) ? {} : { for: r.for }),
      ...(isZero(r.keep_firing_for) ? {} : { keep_firing_for: r.keep_firing_for }),
      ...(Object.keys(r.labels).length ? { labels: r.labels } : {}),
      ...(Object.keys(r.annotations).length ? { annotations: r.annotations } : {}),
    })),
  });
}

/**
 * The rule editor: a group's YAML (one group of the rules file format), previewed against the data
 * now (`POST /v1/rules/preview`: "would fire now for 3 of 12 groups", and each group's value), then
 * saved through `PUT /v1/rules/{group}`. Groups from the rules directory can be previewed, not saved.
 */
export function RuleEditor({
  group,
  onGroup,
}: {
  group: string;
  onGroup: (group: string) => void;
}): ReactNode {
  const rules = useApi('rules', (s) => apiGet<RulesResponse>('/v1/rules', {}, s));
  const groups = rules.state.data?.groups;
  if (rules.state.status === 'error' && !groups)
    return <ErrorBox title="Could not read the rules" error={rules.state.error} onRetry={rules.reload} />;
  if (!groups) return <Loading />;
  const current = groups.find((g) => g.name === group);
  return (
    <div className="rule-editor">
      <label className="field inline">
        Group
        <select
          value={current ? group : ''}
          onChange={(e) => onGroup(e.target.value)}
          aria-label="Rule group"
        >
          <option value="">(new group)</option>
          {groups.map((g) => (
            <option key={g.name} value={g.name}>
              {g.name} {g.source.kind === 'file' ? `(${g.source.file}, read-only)` : '(API)'}
            </option>
          ))}
        </select>
      </label>
      <Editor
        key={current?.name ?? ''}
        initial={current ? groupYaml(current) : NEW_GROUP}
        readOnly={current?.source.kind === 'file'}
        onSaved={(name) => {
          rules.reload();
          onGroup(name);
        }}
      />
    </div>
  );
}

function Editor({
  initial,
  readOnly,
  onSaved,
}: {
  initial: string;
  readOnly: boolean;
  onSaved: (name: string) => void;
}): ReactNode {
  const [text, setText] = useState(initial);
  const [preview, setPreview] = useState<{ of: string; answer: RulePreviewResponse } | undefined>(undefined);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const fail = (err: unknown): void => {
    setBusy(false);
    setMessage({ ok: false, text: err instanceof Error ? err.message : String(err) });
  };

  const runPreview = (): void => {
    setBusy(true);
    setMessage(undefined);
    apiPost<RulePreviewResponse>('/v1/rules/preview', { yaml: text }).then((answer) => {
      setBusy(false);
      setPreview({ of: text, answer });
    }, fail);
  };

  const save = (): void => {
    let body: unknown;
    try {
      body = parse(text);
    } catch (err) {
      return fail(err);
    }
    const name = (body as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || !name) return fail(new Error('the group needs a name'));
    setBusy(true);
    apiPut<RuleGroupItem>(`/v1/rules/${encodeURIComponent(name)}`, body).then(() => {
      setBusy(false);
      setMessage({ ok: true, text: `Saved ${name}.` });
      onSaved(name);
    }, fail);
  };

  const answer = preview?.answer;
  const stale = preview !== undefined && preview.of !== text;
  return (
    <>
      <textarea
        className="rule-yaml"
        aria-label="Rule group YAML"
        data-testid="rule-yaml"
        spellCheck={false}
        value={text}
        rows={Math.min(30, Math.max(12, text.split('\n').length + 1))}
        onChange={(e) => setText(e.target.value)}
      />
      <div className="toolbar">
        <button type="button" onClick={runPreview} disabled={busy} data-testid="rule-preview">
          Preview against current data
        </button>
        <button
          type="button"
          onClick={save}
          disabled={busy || readOnly || !answer?.valid || stale}
          title={
            readOnly
              ? 'A group from the rules directory: edit its file'
              : !answer?.valid || stale
                ? 'Preview the text first'
                : 'Save through PUT /v1/rules/{group}'
          }
          data-testid="rule-save"
        >
          Save
        </button>
        {readOnly ? <span className="muted small">From the rules directory: preview only.</span> : null}
        {stale ? <span className="muted small">Changed since the preview.</span> : null}
      </div>
      {message ? (
        <p className={message.ok ? 'ok-note' : 'field-problem'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      ) : null}
      {answer ? <PreviewView answer={answer} /> : null}
    </>
  );
}

function PreviewView({ answer }: { answer: RulePreviewResponse }): ReactNode {
  const summary = previewSummary(answer);
  return (
    <div className="rule-preview" data-testid="preview-result">
      <ul className="preview-summary" data-testid="preview-summary">
        {summary.map((s, i) => (
          <li key={i}>
            {s.alert ? <strong>{s.alert}</strong> : null} {s.text}
          </li>
        ))}
      </ul>
      {answer.problems.length ? (
        <ul className="preview-problems" data-testid="preview-problems">
          {answer.problems.map((p, i) => (
            <li key={i} className="field-problem">
              {p.line !== undefined ? `line ${p.line}: ` : ''}
              {p.field ? <code>{p.field}</code> : null} {p.reason}
            </li>
          ))}
        </ul>
      ) : null}
      {answer.rules.map((r) =>
        r.rows.length ? (
          <details key={r.alert} open={answer.rules.length === 1}>
            <summary>
              {r.alert}: {r.rows.length} group{r.rows.length === 1 ? '' : 's'}
            </summary>
            <DataTable
              testId={`preview-rows-${r.alert}`}
              columns={['Meets', 'Labels', 'Value']}
              rows={r.rows.map((row) => [
                row.meets ? 'yes' : 'no',
                Object.entries(row.labels)
                  .filter(([k]) => k !== 'alertname')
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', '),
                row.value,
              ])}
            />
          </details>
        ) : null,
      )}
    </div>
  );
}
