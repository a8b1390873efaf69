import { useEffect, useState, type ReactNode } from 'react';
import { PRESETS, endsNow, fromLocalInput, toLocalInput, type TimeRange } from '../time/range';

/**
 * Relative presets (the last 15 minutes ... 7 days, moving with time) or an absolute window
 * picked in local time. Changes go straight to the URL through `onChange`.
 */
export function TimeRangePicker({
  range,
  onChange,
}: {
  range: TimeRange;
  onChange: (range: TimeRange) => void;
}): ReactNode {
  const absolute = !endsNow(range);
  const [custom, setCustom] = useState(absolute);
  const [from, setFrom] = useState(toLocalInput(range.from));
  const [to, setTo] = useState(toLocalInput(range.to));
  useEffect(() => {
    setFrom(toLocalInput(range.from));
    setTo(toLocalInput(range.to));
  }, [range.from, range.to]);

  const openCustom = (): void => {
    const now = Date.now();
    if (!from) setFrom(toLocalInput(new Date(now - 3_600_000).toISOString()));
    if (!to) setTo(toLocalInput(new Date(now).toISOString()));
    setCustom(true);
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
            aria-pressed={!custom && !absolute && range.from === p.from}
            onClick={() => {
              setCustom(false);
              onChange({ from: p.from, to: 'now' });
            }}
          >
            {p.label}
          </button>
        ))}
        <button type="button" aria-pressed={custom || absolute} onClick={openCustom}>
          Custom
        </button>
      </div>
      {custom || absolute ? (
        <form
          className="range-custom"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) onChange({ from: fromIso, to: toIso });
          }}
        >
          <label>
            From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button type="submit" disabled={!valid}>
            Apply
          </button>
        </form>
      ) : null}
    </div>
  );
}
