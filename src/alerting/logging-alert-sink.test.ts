import { describe, expect, it } from 'vitest';
import { captureLogger } from '../../test/support/capture-logger.js';
import type { AlertInstance } from './alert.js';
import { LoggingAlertSink } from './logging-alert-sink.js';

const alert: AlertInstance = {
  rule: 'High',
  group: 'g',
  fingerprint: 'f',
  labels: { alertname: 'High' },
  annotations: {},
  state: 'firing',
  value: 3,
  activeAt: 0,
  firedAt: 10,
};

describe('LoggingAlertSink', () => {
  it('logs a firing once, at the evaluation that fired it, and a resolution once', () => {
    const { logger, lines } = captureLogger();
    const sink = new LoggingAlertSink(logger);
    sink.deliver([alert], 10);
    sink.deliver([alert], 20);
    sink.deliver([{ ...alert, state: 'resolved', resolvedAt: 30 }], 30);
    expect(lines.map((l) => l.msg)).toEqual(['alert firing', 'alert resolved']);
  });
});
