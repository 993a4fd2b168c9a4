import { localDay, MINUTE_MS, startOfLocalDay } from '../profiles/aggregates/local-time.js';
import type { Schedule } from './audience-resource.js';

/*
 * When a scheduled audience is next recomputed. A scheduled audience is not evaluated on events:
 * its members change only when it is recomputed over every entity, at these times.
 */

/** The first run strictly after `last` (epoch ms). */
export const nextRunAfter = (schedule: Schedule, last: number): number => {
  if ('everyMinutes' in schedule) return last + schedule.everyMinutes * MINUTE_MS;
  const [hours = 0, minutes = 0] = schedule.dailyAt.split(':').map(Number);
  const offset = (hours * 60 + minutes) * MINUTE_MS;
  // The day's start is found in the zone, so a daylight-saving day is taken as the zone has it.
  const today = localDay(last, schedule.timeZone);
  for (let day = today; day <= today + 2; day++) {
    const at = startOfLocalDay(day, schedule.timeZone) + offset;
    if (at > last) return at;
  }
  return last + 24 * 60 * MINUTE_MS;
};
