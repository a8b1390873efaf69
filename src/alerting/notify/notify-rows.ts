import type { Matcher } from './matchers.js';
import type { NotificationLogEntry, NotificationRecord } from './notify-store.js';
import type { Silence } from './silence.js';
import type { ReadBack } from '../table-rows.js';

/**
 * How the notification side's state is laid out in rows, for both notify stores (SQLite and
 * ClickHouse): the column names, matchers as JSON text, and a record's missing error or code as
 * an empty column.
 */

export function logRow(e: NotificationLogEntry) {
  return {
    notifier: e.notifier,
    group_key: e.groupKey,
    firing: e.firing,
    resolved: e.resolved,
    sent_at: e.sentAt,
  };
}

/** ClickHouse keeps `firing` and `resolved` as Array(String); SQLite as JSON text. */
export type LogRow = ReadBack<typeof logRow>;

export function logEntryFromRow(r: LogRow): NotificationLogEntry {
  return {
    notifier: r.notifier,
    groupKey: r.group_key,
    firing: r.firing,
    resolved: r.resolved,
    sentAt: Number(r.sent_at),
  };
}

export function silenceRow(s: Silence) {
  return {
    id: s.id,
    matchers: JSON.stringify(s.matchers),
    starts_at: s.startsAt,
    ends_at: s.endsAt,
    created_by: s.createdBy,
    comment: s.comment,
    created_at: s.createdAt,
  };
}

export type SilenceRow = ReadBack<typeof silenceRow>;

export function silenceFromRow(r: SilenceRow): Silence {
  return {
    id: r.id,
    matchers: JSON.parse(r.matchers) as Matcher[],
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    createdBy: r.created_by,
    comment: r.comment,
    createdAt: Number(r.created_at),
  };
}

/** `absent`: what the store writes for a missing error or code (see NotificationRow). */
export function notificationRow(r: NotificationRecord, absent: '' | null) {
  return {
    id: r.id,
    at: r.at,
    notifier: r.notifier,
    channel: r.channel,
    group_key: r.groupKey,
    status: r.status,
    alerts: r.alerts,
    state: r.state,
    attempts: r.attempts,
    error: r.error ?? absent,
    code: r.code ?? absent,
  };
}

/** An absent error or code is NULL in SQLite and '' in ClickHouse (a String column). */
export type NotificationRow = ReadBack<typeof notificationRow>;

export function notificationFromRow(r: NotificationRow): NotificationRecord {
  return {
    id: r.id,
    at: Number(r.at),
    notifier: r.notifier,
    channel: r.channel,
    groupKey: r.group_key,
    status: r.status,
    alerts: Number(r.alerts),
    state: r.state,
    attempts: Number(r.attempts),
    ...(r.error !== null && r.error !== '' ? { error: r.error } : {}),
    ...(r.code !== null && r.code !== '' ? { code: r.code } : {}),
  };
}
