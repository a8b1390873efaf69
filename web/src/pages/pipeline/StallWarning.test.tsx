import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { StallWarning } from './StallWarning';

afterEach(cleanup);

describe('StallWarning', () => {
  it('says the pipeline is stalled, how long, and how much waits', () => {
    const since = new Date(2026, 10, 27, 9, 30, 5).toISOString();
    render(
      <StallWarning
        stall={{ stalled: true, since, stalledSeconds: 725, backlog: 3 * 1024 * 1024, backlogUnit: 'bytes' }}
      />,
    );
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('The pipeline is stalled');
    expect(alert.textContent).toContain('VTG_PIPELINE_STALLED');
    expect(alert.textContent).toContain('since 2026-11-27 09:30:05 (12 min 5 s)');
    expect(alert.textContent).toContain('3.00 MB wait in the bus');
  });

  it('counts Kafka backlogs in messages', () => {
    render(
      <StallWarning
        stall={{
          stalled: true,
          since: new Date().toISOString(),
          stalledSeconds: 130,
          backlog: 1200,
          backlogUnit: 'messages',
        }}
      />,
    );
    expect(screen.getByRole('alert').textContent).toMatch(/\(2 min 10 s\) while 1[,.\s]?200 messages wait/);
  });

  it('shows nothing while the pipeline moves, or when no collector says', () => {
    const moving = {
      stalled: false,
      since: null,
      stalledSeconds: 0,
      backlog: 10,
      backlogUnit: 'bytes',
    } as const;
    render(<StallWarning stall={moving} />);
    render(<StallWarning stall={{ ...moving, stalled: null, stalledSeconds: null, backlog: null }} />);
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
