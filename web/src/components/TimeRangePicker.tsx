import { useState, type ReactNode } from 'react';
import { PRESETS, endsNow, fromLocalInput, toLocalInput, type TimeRange } from '../time/range';

/** What the user is typing into the custom window, and the range it was started from. */
interface Draft {
  readonly of: string;
  readonly from: string;
  readonly to: string;
}

/**
 * Relative presets (the last 15 minutes ... 7 days, moving with time) or an absolute window
 * picked in local time. Changes go straight to the URL through `onChange`. A window being typed
 * belongs to the range it was started from: when the range changes (Apply, a preset, the back
 * button), the inputs show the new range again.
 */
export function TimeRangePicker({
  range,
  onChange,
}: {
  range: TimeRange;
  onChange: (range: TimeRange) => void;
}): ReactNode {
  const rangeKey = `${range.from}\u0000${range.to}`;
  const absolute = !endsNow(range);
  const [draft, setDraft] = useState<Draft | undefined>(undefined);
  const editing = draft?.of === rangeKey ? draft : undefined;
  const from = editing?.from ?? toLocalInput(range.from);
  const to = editing?.to ?? toLocalInput(range.to);
  const custom = absolute || editing !== undefined;

  const openCustom = (): void => {
    const now = Date.now();
    setDraft({
      of: rangeKey,
      from: from || toLocalInput(new Date(now - 3_600_000).toISOString()),
      to: to || toLocalInput(new Date(now).toISOString()),
    });
  };
  const fromIso = fromLocalInput(from);
  const toIso = fromLocalInput(to);
  const valid = fromIso !== undefined && toIso !== undefined && Date.parse(fromIso) < Date.parse(toIso);

  return (
    <div className="range-picker" role="group" aria-label="Time range">
      <div className="segmented">
        {PRESETS.map((p) => (
          <button
            key={p.from}
            type="button"
            aria-pressed={!custom && range.from === p.from}
            onClick={() => {
              setDraft(undefined);
              onChange({ from: p.from, to: 'now' });
            }}
          >
            {p.label}
          </button>
        ))}
        <button type="button" aria-pressed={custom} onClick={openCustom}>
          Custom
        </button>
      </div>
      {custom ? (
        <form
          className="range-custom"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) onChange({ from: fromIso, to: toIso });
          }}
        >
          <label>
            From{' '}
            <input
              type="datetime-local"
              value={from}
              onChange={(e) => setDraft({ of: rangeKey, from: e.target.value, to })}
            />
          </label>
          <label>
            To{' '}
            <input
              type="datetime-local"
              value={to}
              onChange={(e) => setDraft({ of: rangeKey, from, to: e.target.value })}
            />
          </label>
          <button type="submit" disabled={!valid}>
            Apply
          </button>
        </form>
      ) : null}
    </div>
  );
}
