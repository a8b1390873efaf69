import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../bus.js';
import { PartitionPositions } from './partition-positions.js';

function msg(partition: number, offset: number): BusMessage {
  return { partition, offset, payload: Buffer.from(`${partition}:${offset}`) };
}

function started(partitions: number[]): PartitionPositions {
  const positions = new PartitionPositions();
  positions.assign(partitions);
  for (const p of partitions) positions.started(p, undefined);
  return positions;
}

describe('PartitionPositions', () => {
  it('hands out messages of several partitions in fetch order and tracks each partition', () => {
    const positions = started([0, 1, 2]);
    const fetched = [msg(0, 5), msg(1, 0), msg(0, 6), msg(2, 9), msg(1, 1)];
    expect(positions.accept(fetched)).toEqual(fetched);
    expect([positions.next(0), positions.next(1), positions.next(2)]).toEqual([7, 2, 10]);
  });

  it('drops messages of partitions revoked while they were in flight', () => {
    const positions = started([0, 1]);
    positions.assign([1]);
    positions.started(1, undefined);
    expect(positions.accept([msg(0, 3), msg(1, 4)])).toEqual([msg(1, 4)]);
    expect(positions.assigned).toEqual([1]);
  });

  it('drops what it already handed out or what a seek skipped', () => {
    const positions = started([0]);
    positions.accept([msg(0, 0), msg(0, 1)]);
    expect(positions.accept([msg(0, 1), msg(0, 2)])).toEqual([msg(0, 2)]);
    positions.seeked(0, 10);
    expect(positions.accept([msg(0, 3), msg(0, 10)])).toEqual([msg(0, 10)]);
  });

  it('holds back a starting partition and goes back to the first message dropped', () => {
    const positions = new PartitionPositions();
    positions.assign([0, 1]);
    positions.started(1, undefined);
    expect(positions.accept([msg(0, 4), msg(1, 0), msg(0, 5)])).toEqual([msg(1, 0)]);
    expect(positions.needCommitted()).toEqual([]);
    expect(positions.startPlans(new Map())).toEqual([{ partition: 0, seekTo: 4 }]);
  });

  it('lets a seekAfter target win over the committed offset only when ahead of it', () => {
    const positions = new PartitionPositions();
    // Said before the partitions are assigned, as the worker does at start.
    expect(positions.seekAfter(0, 9)).toBeUndefined();
    expect(positions.seekAfter(1, 2)).toBeUndefined();
    positions.assign([0, 1, 2]);
    expect(positions.needCommitted()).toEqual([0, 1]);
    const committed = new Map([
      [0, 5],
      [1, 7],
    ]);
    expect(positions.startPlans(committed)).toEqual([
      { partition: 0, seekTo: 10 },
      { partition: 1, seekTo: undefined },
      { partition: 2, seekTo: undefined },
    ]);
    positions.started(0, 10);
    expect(positions.next(0)).toBe(10);
    expect(positions.accept([msg(0, 10)])).toEqual([msg(0, 10)]);
  });

  it('uses a target with no committed offset, and keeps the furthest of several', () => {
    const positions = new PartitionPositions();
    positions.seekAfter(3, 7);
    positions.seekAfter(3, 4);
    positions.assign([3]);
    expect(positions.startPlans(new Map())).toEqual([{ partition: 3, seekTo: 8 }]);
  });

  it('forgets a target once a commit passed it, so a later assignment does not go back', () => {
    const positions = new PartitionPositions();
    positions.seekAfter(0, 3);
    positions.committed(0, 3);
    positions.assign([0]);
    expect(positions.needCommitted()).toEqual([]);
    expect(positions.startPlans(new Map([[0, 4]]))).toEqual([{ partition: 0, seekTo: undefined }]);
  });

  it('seeks a started partition forward only', () => {
    const positions = started([0]);
    positions.accept([msg(0, 0), msg(0, 1), msg(0, 2)]);
    expect(positions.seekAfter(0, 1)).toBeUndefined();
    expect(positions.seekAfter(0, 5)).toBe(6);
  });
});
