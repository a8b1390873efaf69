import type { ReactNode } from 'react';
import type { PipelineStatusResponse } from '../../api/types';
import { formatBytes, formatNumber, formatTime } from '../../time/format';

type Stall = PipelineStatusResponse['stall'];

/** "12 min 5 s", "45 s": how long the workers have been stuck, to the second. */
function elapsed(seconds: number): string {
  const s = Math.floor(seconds);
  const parts: string[] = [];
  if (s >= 3600) parts.push(`${Math.floor(s / 3600)} h`);
  if (s >= 60) parts.push(`${Math.floor((s % 3600) / 60)} min`);
  parts.push(`${s % 60} s`);
  return parts.join(' ');
}

/**
 * The warning line of a stuck pipeline (issue 10): the collectors keep answering 202 while no
 * worker stores anything, so without this the page would show a healthy collector and a worker
 * quietly retrying. Nothing when the pipeline moves or no collector says.
 */
export function StallWarning({ stall }: { stall: Stall }): ReactNode {
  if (stall.stalled !== true || stall.since === null) return null;
  const waiting =
    stall.backlog === null
      ? 'data waits'
      : stall.backlogUnit === 'bytes'
        ? `${formatBytes(stall.backlog)} wait`
        : `${formatNumber(stall.backlog)} messages wait`;
  return (
    <div className="state state-error" role="alert" data-testid="pipeline-stalled">
      <strong>The pipeline is stalled</strong>
      <p>
        <code className="error-code">VTG_PIPELINE_STALLED</code> The workers have stored nothing since{' '}
        {formatTime(Date.parse(stall.since), true)}
        {stall.stalledSeconds === null ? '' : ` (${elapsed(stall.stalledSeconds)})`} while {waiting} in the
        bus. The collectors answer not ready; what they accepted stays in the bus and is stored once a worker
        moves again.
      </p>
      <p className="muted">
        Look at the worker&apos;s log; docs/operations.md, “A stalled pipeline”, says what to do.
      </p>
    </div>
  );
}
