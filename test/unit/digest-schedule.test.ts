import { describe, expect, it } from 'vitest';
import { cronOf, parseSchedule, periodKey, periodStart, zonedTime } from '../../jobs/schedule.js';

const parse = (args: string) => {
  const parsed = parseSchedule(args);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.schedule;
};

describe('digest schedules', () => {
  it('reads daily and weekly schedules with an optional IANA zone', () => {
    expect(parse('daily 09:00 Europe/Berlin')).toEqual({ every: 'day', weekday: undefined, hour: 9, minute: 0, timeZone: 'Europe/Berlin' });
    expect(parse('weekly Mon 7:30')).toEqual({ every: 'week', weekday: 1, hour: 7, minute: 30, timeZone: 'UTC' });
    expect(cronOf(parse('weekly fri 17:05 America/New_York'))).toBe('5 17 * * 5');
  });

  it('refuses bad times, days and zones with the reason', () => {
    expect(parseSchedule('daily 9am')).toEqual({ ok: false, problem: expect.stringContaining('HH:MM') });
    expect(parseSchedule('daily 24:00')).toEqual({ ok: false, problem: expect.stringContaining('HH:MM') });
    expect(parseSchedule('weekly someday 09:00')).toEqual({ ok: false, problem: expect.stringContaining('needs a day') });
    expect(parseSchedule('daily 09:00 Europe/Atlantis')).toEqual({ ok: false, problem: expect.stringContaining('not a time zone') });
  });

  it('keeps 09:00 local across both daylight-saving changes', () => {
    expect(zonedTime(2025, 3, 29, 9, 0, 'Europe/Berlin').toISOString()).toBe('2025-03-29T08:00:00.000Z');
    expect(zonedTime(2025, 3, 30, 9, 0, 'Europe/Berlin').toISOString()).toBe('2025-03-30T07:00:00.000Z');
    expect(zonedTime(2025, 10, 26, 9, 0, 'Europe/Berlin').toISOString()).toBe('2025-10-26T08:00:00.000Z');
    expect(zonedTime(2025, 11, 2, 9, 0, 'America/New_York').toISOString()).toBe('2025-11-02T14:00:00.000Z');
  });

  it('names the period a run belongs to the same way at any moment inside it', () => {
    const daily = parse('daily 09:00 Europe/Berlin');
    expect(periodKey(daily, new Date('2025-03-30T07:00:00Z'))).toBe('day:2025-03-30');
    expect(periodKey(daily, new Date('2025-03-31T06:59:59Z'))).toBe('day:2025-03-30');
    expect(periodKey(daily, new Date('2025-03-30T06:59:59Z'))).toBe('day:2025-03-29');
    const weekly = parse('weekly mon 09:00 Asia/Tokyo');
    expect(periodStart(weekly, new Date('2025-06-05T00:00:00Z')).toISOString()).toBe('2025-06-02T00:00:00.000Z');
    expect(periodKey(weekly, new Date('2025-06-08T23:59:00Z'))).toBe('week:2025-06-02');
  });
});
