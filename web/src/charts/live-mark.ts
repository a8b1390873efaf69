/**
 * The time the last stream message arrived, until a chart has drawn it: the live-append cost is
 * measured from there to the end of the draw that shows the new point.
 */
let pending: number | undefined;

/** `at`: when the message arrived (performance.now()). */
export function markLiveMessage(at: number): void {
  pending ??= at;
}

export function takeLiveMark(): number | undefined {
  const at = pending;
  pending = undefined;
  return at;
}
