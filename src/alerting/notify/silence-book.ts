import { randomUUID } from 'node:crypto';
import { VantageError } from '../../core/index.js';
import { compileMatcherRegex, compileMatchers } from './matchers.js';
import type { LabelTest, Matcher } from './matchers.js';
import type { NotifyStore } from './notify-store.js';
import { silenceState } from './silence.js';
import type { Silence } from './silence.js';

/** Expired silences stay listed this long (Alertmanager keeps them 5 days too), then are forgotten. */
export const EXPIRED_SILENCE_KEPT_MS = 5 * 24 * 3_600_000;

export interface NewSilence {
  readonly matchers: readonly Matcher[];
  readonly startsAt?: number;
  readonly endsAt: number;
  readonly createdBy?: string;
  readonly comment?: string;
}

/** The silences, in memory for every alert checked and in the store for restarts. */
export class SilenceBook {
  private readonly silences = new Map<string, { silence: Silence; test: LabelTest }>();

  private constructor(
    private readonly store: NotifyStore,
    private readonly maxSilences: number,
  ) {}

  static async open(store: NotifyStore, maxSilences: number, now: number): Promise<SilenceBook> {
    const book = new SilenceBook(store, maxSilences);
    await book.reload(now);
    return book;
  }

  /** Reads the silences again: another API process may have added or expired some. */
  async reload(now: number): Promise<void> {
    await this.store.pruneSilences(now - EXPIRED_SILENCE_KEPT_MS);
    const fresh = await this.store.silences();
    this.silences.clear();
    for (const s of fresh) this.silences.set(s.id, { silence: s, test: compileMatchers(s.matchers) });
  }

  /** Whether a silence in force at `now` matches these labels. */
  silenced(labels: Readonly<Record<string, string>>, now: number): boolean {
    for (const { silence, test } of this.silences.values())
      if (silenceState(silence, now) === 'active' && test(labels)) return true;
    return false;
  }

  /** Newest first. */
  list(): Silence[] {
    return [...this.silences.values()].map((e) => e.silence).sort((a, b) => b.createdAt - a.createdAt);
  }

  get(id: string): Silence | undefined {
    return this.silences.get(id)?.silence;
  }

  /** Silences in force or yet to start: the ones the limit counts. */
  unexpired(now: number): number {
    let n = 0;
    for (const { silence } of this.silences.values()) if (silenceState(silence, now) !== 'expired') n += 1;
    return n;
  }

  async create(input: NewSilence, now: number): Promise<Silence> {
    const startsAt = input.startsAt ?? now;
    input.matchers.forEach((m, i) => {
      if (m.op === '=~' || m.op === '!~') {
        const regex = compileMatcherRegex(m.value);
        if (typeof regex === 'string')
          throw invalid(`matchers[${i}].value`, `not a regular expression: ${regex}`);
      }
    });
    if (input.matchers.length === 0) throw invalid('matchers', 'a silence needs at least one matcher');
    // A silence that matches every alert (all matchers hold for empty labels) silences everything.
    if (compileMatchers(input.matchers)({}))
      throw invalid(
        'matchers',
        'the matchers also match an alert with no labels: add one that needs a label',
      );
    if (input.endsAt <= now) throw invalid('endsAt', 'endsAt must lie in the future');
    if (input.endsAt <= startsAt) throw invalid('endsAt', 'endsAt must come after startsAt');
    if (this.unexpired(now) >= this.maxSilences)
      throw new VantageError('VTG_NOTIFY_SILENCE_LIMIT', { params: { limit: this.maxSilences } });
    const silence: Silence = {
      id: randomUUID(),
      matchers: input.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value })),
      startsAt,
      endsAt: input.endsAt,
      createdBy: input.createdBy ?? '',
      comment: input.comment ?? '',
      createdAt: now,
    };
    await this.store.saveSilence(silence);
    this.silences.set(silence.id, { silence, test: compileMatchers(silence.matchers) });
    return silence;
  }

  /** Ends a silence now; one already expired stays as it was. */
  async expire(id: string, now: number): Promise<Silence> {
    const entry = this.silences.get(id);
    if (entry === undefined)
      throw new VantageError('VTG_NOTIFY_SILENCE_NOT_FOUND', { params: { id }, field: 'id' });
    if (silenceState(entry.silence, now) === 'expired') return entry.silence;
    const silence: Silence = {
      ...entry.silence,
      endsAt: now,
      startsAt: Math.min(entry.silence.startsAt, now),
    };
    await this.store.saveSilence(silence);
    this.silences.set(id, { silence, test: entry.test });
    return silence;
  }
}

function invalid(field: string, reason: string): VantageError {
  return new VantageError('VTG_NOTIFY_SILENCE_INVALID', { params: { reason }, field });
}
