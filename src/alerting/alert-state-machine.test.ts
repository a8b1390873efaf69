import { describe, expect, it } from 'vitest';
import { stepRule } from './alert-state-machine.js';
import type { ActiveAlert, Observation } from './alert-state-machine.js';
import type { ThresholdRule } from './rule.js';

const rule: ThresholdRule = {
  kind: 'threshold',
  alert: 'High',
  vql: 'unused here',
  condition: { op: '>', threshold: 1 },
  forMs: 60_000,
  keepFiringForMs: 30_000,
  labels: {},
  annotations: { summary: '{{ $labels.service_name }} at {{ $value }}' },
};
const seen = (value: number): Observation => ({
  fingerprint: 'fp1',
  labels: { service_name: 'checkout', alertname: 'High' },
  value,
});

/** Runs the machine over evaluations at the given times; `met` says which meet the condition. */
function run(steps: { at: number; met: boolean }[], r: ThresholdRule = rule) {
  let active = new Map<string, ActiveAlert>();
  return steps.map(({ at, met }) => {
    const step = stepRule(r, 'g', active, met ? [seen(at / 1000)] : [], at);
    active = new Map(step.active.map((a) => [a.fingerprint, a]));
    return step;
  });
}

describe('stepRule', () => {
  it('goes pending, then firing once `for` has passed, with the times kept', () => {
    const [first, second, third] = run([
      { at: 0, met: true },
      { at: 30_000, met: true },
      { at: 60_000, met: true },
    ]);
    expect(first?.active[0]).toMatchObject({ state: 'pending', activeAt: 0 });
    expect(first?.transitions.map((t) => t.alert.state)).toEqual(['pending']);
    expect(second?.active[0]?.state).toBe('pending');
    expect(second?.transitions).toEqual([]);
    expect(third?.active[0]).toMatchObject({ state: 'firing', activeAt: 0, firedAt: 60_000, value: 60 });
    expect(third?.active[0]?.annotations).toEqual({ summary: 'checkout at 60' });
    expect(third?.transitions.map((t) => t.alert.state)).toEqual(['firing']);
  });

  it('drops a pending alert that stops meeting the condition, unnotified', () => {
    const [, second] = run([
      { at: 0, met: true },
      { at: 30_000, met: false },
    ]);
    expect(second?.active).toEqual([]);
    expect(second?.resolved).toEqual([]);
    expect(second?.transitions).toEqual([]);
  });

  it('keeps firing for keep_firing_for, then resolves once', () => {
    const steps = run([
      { at: 0, met: true },
      { at: 60_000, met: true },
      { at: 80_000, met: false },
      { at: 100_000, met: false },
      { at: 120_000, met: false },
    ]);
    expect(steps[2]?.active[0]?.state).toBe('firing');
    expect(steps[2]?.resolved).toEqual([]);
    expect(steps[3]?.resolved).toEqual([
      expect.objectContaining({ state: 'resolved', resolvedAt: 100_000, firedAt: 60_000 }),
    ]);
    expect(steps[3]?.active).toEqual([]);
    expect(steps[4]?.resolved).toEqual([]);
  });

  it('fires at once when `for` is 0 and records pending then firing', () => {
    const [first] = run([{ at: 5, met: true }], { ...rule, forMs: 0 });
    expect(first?.active[0]).toMatchObject({ state: 'firing', firedAt: 5 });
    expect(first?.transitions.map((t) => t.alert.state)).toEqual(['pending', 'firing']);
  });

  it('does not fire again when a firing alert keeps meeting the condition', () => {
    const steps = run([
      { at: 0, met: true },
      { at: 60_000, met: true },
      { at: 90_000, met: true },
    ]);
    expect(steps[2]?.transitions).toEqual([]);
    expect(steps[2]?.active[0]?.firedAt).toBe(60_000);
  });
});
