import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromLocalInput, toLocalInput } from '../time/range';
import { TimeRangePicker } from './TimeRangePicker';

afterEach(cleanup);

describe('TimeRangePicker', () => {
  it('picks a relative range that ends now', () => {
    const onChange = vi.fn();
    render(<TimeRangePicker range={{ from: '-1h', to: 'now' }} onChange={onChange} />);
    expect(screen.getByRole('button', { name: '1h' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: '24h' }));
    expect(onChange).toHaveBeenCalledWith({ from: '-24h', to: 'now' });
  });

  it('picks an absolute window in local time and sends it as UTC', () => {
    const onChange = vi.fn();
    render(<TimeRangePicker range={{ from: '-1h', to: 'now' }} onChange={onChange} />);
    fireEvent.click(screen.getByRole('button', { name: 'Custom' }));
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-11-27T10:00' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2026-11-27T12:30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect(onChange).toHaveBeenCalledWith({
      from: new Date('2026-11-27T10:00').toISOString().replace('.000Z', 'Z'),
      to: new Date('2026-11-27T12:30').toISOString().replace('.000Z', 'Z'),
    });
  });

  it('shows the new range when it changes while a window is being typed (the back button)', () => {
    const onChange = vi.fn();
    const { rerender } = render(<TimeRangePicker range={{ from: '-1h', to: 'now' }} onChange={onChange} />);
    fireEvent.click(screen.getByRole('button', { name: 'Custom' }));
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-11-27T10:00' } });
    expect((screen.getByLabelText('From') as HTMLInputElement).value).toBe('2026-11-27T10:00');

    const from = '2026-11-20T08:00:00Z';
    const to = '2026-11-20T09:30:00Z';
    rerender(<TimeRangePicker range={{ from, to }} onChange={onChange} />);
    expect((screen.getByLabelText('From') as HTMLInputElement).value).toBe(toLocalInput(from));
    expect((screen.getByLabelText('To') as HTMLInputElement).value).toBe(toLocalInput(to));

    // Back to a relative range: the custom window closes and its preset is pressed.
    rerender(<TimeRangePicker range={{ from: '-6h', to: 'now' }} onChange={onChange} />);
    expect(screen.queryByLabelText('From')).toBeNull();
    expect(screen.getByRole('button', { name: '6h' }).getAttribute('aria-pressed')).toBe('true');
    expect(onChange).not.toHaveBeenCalled();
  });

  it('refuses a window that ends before it starts', () => {
    render(
      <TimeRangePicker
        range={{ from: '2026-11-27T12:00:00Z', to: '2026-11-27T11:00:00Z' }}
        onChange={() => undefined}
      />,
    );
    expect((screen.getByRole('button', { name: 'Apply' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('round-trips an absolute bound through the input', () => {
    expect(fromLocalInput(toLocalInput('2026-11-27T10:15:00Z'))).toBe('2026-11-27T10:15:00Z');
    expect(toLocalInput('-1h')).toBe('');
  });
});
