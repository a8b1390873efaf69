import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuPercentBetween, parseProcStat } from './cpu-stats.js';

const fixture = (snapshot: string): string =>
  readFileSync(new URL(`./fixtures/${snapshot}/proc/stat`, import.meta.url), 'utf8');

describe('parseProcStat', () => {
  it('reads the total and every core, and the scalar lines', () => {
    const stat = parseProcStat(fixture('host-t0'));
    expect([...stat.cpus.keys()]).toEqual(['total', 'cpu0', 'cpu1', 'cpu2', 'cpu3']);
    expect(stat.cpus.get('cpu0')).toEqual({
      user: 183210,
      nice: 1204,
      system: 61234,
      idle: 9123456,
      iowait: 20345,
      irq: 0,
      softirq: 3456,
      steal: 0,
    });
    expect(stat.contextSwitches).toBe(3456789012);
    expect(stat.forks).toBe(1234567);
    expect(stat.procsRunning).toBe(3);
    expect(stat.procsBlocked).toBe(0);
  });

  it('reads the short cpu lines of old kernels as zero for the missing modes', () => {
    const stat = parseProcStat('cpu  10 0 5 100\ncpu0 10 0 5 100\n');
    expect(stat.cpus.get('total')).toMatchObject({ user: 10, idle: 100, iowait: 0, steal: 0 });
    expect(stat.contextSwitches).toBeUndefined();
  });
});

describe('cpuPercentBetween', () => {
  const [before, after] = [parseProcStat(fixture('host-t0')), parseProcStat(fixture('host-t1'))];

  it('gives each mode its share of the ticks that passed, guest time not counted twice', () => {
    const byCpu = new Map(cpuPercentBetween(before, after).map((c) => [c.cpu, c]));
    // The fixture's total moved 2000 ticks: 200 user (50 of them guest), 100 system, 1600 idle,
    // 60 iowait, 40 softirq.
    expect(byCpu.get('total')?.modes).toEqual({
      user: 10,
      nice: 0,
      system: 5,
      idle: 80,
      iowait: 3,
      irq: 0,
      softirq: 2,
      steal: 0,
    });
    expect(byCpu.get('total')?.busy).toBe(17);
    // cpu0: 500 ticks, 100 user, 40 system, 330 idle, 20 iowait, 10 softirq.
    expect(byCpu.get('cpu0')?.modes).toMatchObject({ user: 20, system: 8, idle: 66, iowait: 4, softirq: 2 });
    expect(byCpu.get('cpu0')?.busy).toBe(30);
    expect(byCpu.size).toBe(5);
  });

  it('leaves out a core that went offline and a read where no time passed', () => {
    const offline = parseProcStat(fixture('host-t1').replace(/^cpu3 .*$/m, ''));
    expect(cpuPercentBetween(before, offline).map((c) => c.cpu)).toEqual(['total', 'cpu0', 'cpu1', 'cpu2']);
    expect(cpuPercentBetween(before, before)).toEqual([]);
  });
});
