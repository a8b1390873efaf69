import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VqlEditor } from './VqlEditor';

afterEach(cleanup);

describe('VqlEditor', () => {
  const text = "SELECT avgg(value)\nFROM metrics WHERE service_name = 'a'";

  it('colours the query and underlines the token the server points at', () => {
    const { container } = render(
      <VqlEditor
        value={text}
        onChange={() => undefined}
        onRun={() => undefined}
        error={{ offset: 7, message: 'Unknown function' }}
      />,
    );
    expect(container.querySelector('.tok-keyword')?.textContent).toBe('SELECT');
    expect(container.querySelector('.tok-string')?.textContent).toBe("'a'");
    const mark = screen.getByTestId('vql-error-mark');
    expect(mark.textContent).toBe('avgg');
    expect(mark.getAttribute('title')).toBe('Unknown function');
    expect(screen.getByLabelText('VQL query').getAttribute('aria-invalid')).toBe('true');
    // The overlay holds exactly the text (plus a closing newline), so it lines up with the textarea.
    expect(container.querySelector('.vql-mirror')?.textContent).toBe(`${text}\n`);
  });

  it('marks the end when the query stops too early', () => {
    render(
      <VqlEditor
        value="SELECT"
        onChange={() => undefined}
        onRun={() => undefined}
        error={{ offset: 6, message: 'more' }}
      />,
    );
    expect(screen.getByTestId('vql-error-mark').classList.contains('vql-error-end')).toBe(true);
  });

  it('runs on Ctrl+Enter and reports edits', () => {
    const onRun = vi.fn();
    const onChange = vi.fn();
    render(<VqlEditor value={text} onChange={onChange} onRun={onRun} />);
    const input = screen.getByLabelText('VQL query');
    fireEvent.keyDown(input, { key: 'Enter', ctrlKey: true });
    expect(onRun).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onRun).toHaveBeenCalledTimes(1);
    fireEvent.change(input, { target: { value: 'SELECT 1' } });
    expect(onChange).toHaveBeenCalledWith('SELECT 1');
    expect(screen.queryByTestId('vql-error-mark')).toBeNull();
  });
});
