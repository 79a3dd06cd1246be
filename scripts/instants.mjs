// The instants `npm test` runs the Rust suite at besides today (via scripts/at.mjs): the days on which
// a suite that leans on "today" breaks. Each is the next such instant after `now`, so a run checks
// the edges the product will really meet next.
//   node scripts/instants.mjs   prints them

import { pathToFileURL } from "node:url";

const DAY = 86_400_000;

/** The `n`th (1-based; -1 = last) `weekday` (0 = Sunday) of a month, as a UTC date at 00:00. */
export function nthWeekday(year, month, weekday, n) {
  if (n > 0) {
    const first = Date.UTC(year, month - 1, 1);
    const shift = (weekday - new Date(first).getUTCDay() + 7) % 7;
    return first + (shift + 7 * (n - 1)) * DAY;
  }
  const last = Date.UTC(year, month, 0);
  return last - ((new Date(last).getUTCDay() - weekday + 7) % 7) * DAY;
}

/** The first instant after `now` of the yearly instant `of(year)`. */
function next(now, of) {
  const y = new Date(now).getUTCFullYear();
  for (let year = y; year < y + 10; year++) {
    const t = of(year);
    if (t > now) return t;
  }
  throw new Error("no instant found");
}

/** The next Sunday after `now` at `timeOfDay` (ms after 00:00 UTC). */
function nextSundayUtc(now, timeOfDay) {
  const t = now - (now % DAY) - new Date(now).getUTCDay() * DAY + timeOfDay;
  return t > now ? t : t + 7 * DAY;
}

function isLeap(y) {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const H = 3_600_000;

/** [{ at: ISO instant, why }] for the shifted runs. */
export function instants(now = Date.now()) {
  const iso = (t) => new Date(t).toISOString().replace(".000Z", "Z");
  const list = [
    // Europe: clocks change at 01:00 UTC on the last Sunday of March and of October.
    { at: next(now, (y) => nthWeekday(y, 3, 0, -1) + 2 * H), why: "European spring DST change + 1 h" },
    { at: next(now, (y) => nthWeekday(y, 10, 0, -1) + 2 * H), why: "European autumn DST change + 1 h" },
    // United States: second Sunday of March, first Sunday of November (02:00 local ≈ 06:00–10:00 UTC).
    { at: next(now, (y) => nthWeekday(y, 3, 0, 2) + 10 * H), why: "US spring DST change" },
    { at: next(now, (y) => nthWeekday(y, 11, 0, 1) + 10 * H), why: "US autumn DST change" },
    { at: next(now, (y) => Date.UTC(y, 11, 31, 23, 30)), why: "New Year's Eve 23:30 UTC" },
    // The issue names 29 February 2028; after it, the next leap day.
    { at: next(now, (y) => (isLeap(y) ? Date.UTC(y, 1, 29, 12) : -Infinity)), why: "a leap day 12:00 UTC" },
    // Sunday 23:59 in Pacific/Kiritimati (UTC+14, no DST) is Sunday 09:59 UTC: the date line.
    { at: nextSundayUtc(now, 9 * H + 59 * 60_000), why: "Sunday 23:59 in Pacific/Kiritimati" },
    // Near the demo secret's expiry and Graph's one-year limits, seen from a long-lived install.
    { at: now - (now % 60_000) + 330 * DAY, why: "today + 330 days" },
  ];
  return list.map((x) => ({ at: iso(x.at), why: x.why }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const x of instants()) console.log(`${x.at}  ${x.why}`);
}
