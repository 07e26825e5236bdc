// Digest schedules: `daily 09:00 [zone]` or `weekly mon 09:00 [zone]`, as wall-clock times in
// an IANA time zone. Agenda repeats them as cron expressions in that zone (so 09:00 stays
// 09:00 across daylight-saving changes); the period a run belongs to is computed here with
// Intl, the same on every scheduler, and names the digest's idempotency key.

export const DEFAULT_TIME_ZONE = 'UTC';
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface DigestSchedule {
  every: 'day' | 'week';
  /** 0 = Sunday … 6 = Saturday; weekly only. */
  weekday?: number;
  hour: number;
  minute: number;
  timeZone: string;
}

export type ParsedSchedule = { ok: true; schedule: DigestSchedule } | { ok: false; problem: string };

/** Parses the arguments after `/digest`, e.g. `daily 09:00 Europe/Berlin`. */
export function parseSchedule(args: string, defaultZone = DEFAULT_TIME_ZONE): ParsedSchedule {
  const words = args.trim().split(/\s+/);
  const every = words.shift()?.toLowerCase();
  if (every !== 'daily' && every !== 'weekly') return { ok: false, problem: 'say daily or weekly' };
  let weekday: number | undefined;
  if (every === 'weekly') {
    const day = (words.shift() ?? '').toLowerCase().slice(0, 3);
    weekday = (WEEKDAYS as readonly string[]).indexOf(day);
    if (weekday < 0) return { ok: false, problem: 'a weekly digest needs a day: mon, tue, wed, thu, fri, sat or sun' };
  }
  const time = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(words.shift() ?? '');
  if (!time) return { ok: false, problem: 'the time must be HH:MM on a 24-hour clock, e.g. 09:00' };
  const timeZone = words.shift() ?? defaultZone;
  if (words.length > 0) return { ok: false, problem: `unexpected "${words.join(' ')}"` };
  if (!isTimeZone(timeZone)) return { ok: false, problem: `"${timeZone}" is not a time zone; use an IANA name such as Europe/Berlin` };
  return {
    ok: true,
    schedule: { every: every === 'daily' ? 'day' : 'week', weekday, hour: Number(time[1]), minute: Number(time[2]), timeZone: canonicalZone(timeZone) },
  };
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function canonicalZone(zone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
}

/** The cron expression Agenda repeats, read in `schedule.timeZone`. */
export function cronOf(schedule: DigestSchedule): string {
  return `${schedule.minute} ${schedule.hour} * * ${schedule.every === 'week' ? schedule.weekday : '*'}`;
}

export function describeSchedule(schedule: DigestSchedule): string {
  const time = `${String(schedule.hour).padStart(2, '0')}:${String(schedule.minute).padStart(2, '0')}`;
  const day = schedule.every === 'week' ? `every ${WEEKDAYS[schedule.weekday ?? 1]} ` : 'daily ';
  return `${day}at ${time} ${schedule.timeZone}`;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock fields of `instant` in `zone`. */
export function localParts(instant: Date, zone: string): LocalParts {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: (WEEKDAYS as readonly string[]).indexOf(String(parts.weekday).toLowerCase().slice(0, 3)),
  };
}

/**
 * The instant a wall-clock time happens in `zone`. A time skipped by a spring-forward change
 * happens at the first valid minute after it, as cron does.
 */
export function zonedTime(year: number, month: number, day: number, hour: number, minute: number, zone: string): Date {
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wanted;
  for (let attempt = 0; attempt < 3; attempt++) {
    const seen = localParts(new Date(guess), zone);
    const seenAsUtc = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    if (seenAsUtc === wanted) return new Date(guess);
    guess += wanted - seenAsUtc;
  }
  // In a gap: the offset before and after differ; the later reading is the first valid minute.
  return new Date(guess);
}

/** The scheduled time of the period `at` falls in: the latest occurrence at or before `at`. */
export function periodStart(schedule: DigestSchedule, at: Date): Date {
  const local = localParts(at, schedule.timeZone);
  // Walk back day by day (in UTC date arithmetic on the local calendar date) to the latest match.
  for (let back = 0; back <= 8; back++) {
    const date = new Date(Date.UTC(local.year, local.month - 1, local.day) - back * DAY_MS);
    const weekday = date.getUTCDay();
    if (schedule.every === 'week' && weekday !== schedule.weekday) continue;
    const occurrence = zonedTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), schedule.hour, schedule.minute, schedule.timeZone);
    if (occurrence.getTime() <= at.getTime()) return occurrence;
  }
  throw new Error(`No occurrence of ${describeSchedule(schedule)} in the week before ${at.toISOString()}`);
}

/** A stable name for the period, e.g. `day:2025-03-30` (the local date of its start). */
export function periodKey(schedule: DigestSchedule, at: Date): string {
  const start = localParts(periodStart(schedule, at), schedule.timeZone);
  const date = `${start.year}-${String(start.month).padStart(2, '0')}-${String(start.day).padStart(2, '0')}`;
  return `${schedule.every}:${date}`;
}

/** The start of the period before the one `at` falls in: where a first digest begins reading. */
export function previousPeriodStart(schedule: DigestSchedule, at: Date): Date {
  const start = periodStart(schedule, at);
  return periodStart(schedule, new Date(start.getTime() - 60_000));
}
