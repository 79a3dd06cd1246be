// Pure helpers the attendance charts draw with: scales, ticks, paths, lane geometry, the live
// recount at a dragged threshold. What is shown (present per minute, share bins, trends, the
// matrix, weeks) is computed in Rust (`attendance::pictures`); these only place it on screen.

/** Completed and partial attendees at a whole-percent threshold, from the 101 share bins. */
export function countsAt(shares: number[], thresholdPercent: number): { completed: number; partial: number } {
  const t = Math.max(0, Math.min(shares.length, Math.round(thresholdPercent)));
  let completed = 0;
  let partial = 0;
  shares.forEach((n, i) => {
    if (i >= t) completed += n;
    else partial += n;
  });
  return { completed, partial };
}

/** The 101 one-percent bins grouped into 21 bars: 0–4 %, 5–9 %, …, 95–99 %, 100 % or more. */
export function fivePercentBars(shares: number[]): number[] {
  const bars = new Array<number>(21).fill(0);
  shares.forEach((n, i) => {
    const at = Math.min(20, Math.floor(i / 5));
    bars[at] = (bars[at] ?? 0) + n;
  });
  return bars;
}

/** A linear map from [d0, d1] to [r0, r1] (a zero-width domain maps to r0). */
export function linear(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  const span = d1 - d0;
  return (x) => (span === 0 ? r0 : r0 + ((x - d0) / span) * (r1 - r0));
}

/** Minute ticks for an axis of `minutes`: a step of 5, 10, 15, 30, 60… giving at most `most`. */
export function minuteTicks(minutes: number, most = 8): number[] {
  const step = [5, 10, 15, 30, 60, 120, 240, 480, 720].find((s) => minutes / s <= most) ?? 1440;
  const out: number[] = [];
  for (let m = 0; m <= minutes; m += step) out.push(m);
  return out;
}

/** A round upper bound for a count axis, at most a fifth above `max` for counts over ten. */
export function niceMax(max: number): number {
  if (max <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= max) return Math.round(m * p);
  return 10 * p;
}

/** The step outline of a per-minute series, closed along the baseline (an SVG path). */
export function stepArea(values: number[], x: (m: number) => number, y: (n: number) => number): string {
  if (values.length === 0) return "";
  const parts = [`M${x(0).toFixed(1)},${y(0).toFixed(1)}`];
  values.forEach((n, m) => {
    parts.push(`L${x(m).toFixed(1)},${y(n).toFixed(1)}`, `L${x(m + 1).toFixed(1)},${y(n).toFixed(1)}`);
  });
  parts.push(`L${x(values.length).toFixed(1)},${y(0).toFixed(1)}Z`);
  return parts.join("");
}

/** Minutes from `axisStart` to an instant (fractional; NaN when unreadable). */
export function minutesFrom(axisStart: string, iso: string | null): number {
  if (!iso) return Number.NaN;
  return (Date.parse(iso) - Date.parse(axisStart)) / 60_000;
}

/** Where an interval sits on a lane, as percentages of the axis (clipped to it); null when off it. */
export function laneBar(axisStart: string, minutes: number, join: string | null, leave: string | null): { left: number; width: number } | null {
  const a = minutesFrom(axisStart, join);
  const b = minutesFrom(axisStart, leave);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b < a || minutes <= 0) return null;
  const lo = Math.max(0, a);
  const hi = Math.min(minutes, b);
  if (hi < lo) return null;
  return { left: (lo / minutes) * 100, width: Math.max(0.3, ((hi - lo) / minutes) * 100) };
}

/** The instant of minute `m` of the axis, RFC 3339. */
export function minuteInstant(axisStart: string, m: number): string {
  return new Date(Date.parse(axisStart) + m * 60_000).toISOString();
}

/** Every `step`-th minute as [minute, present] rows: the chart's data table. */
export function sampled(values: number[], step = 5): [number, number][] {
  const out: [number, number][] = [];
  for (let m = 0; m < values.length; m += step) out.push([m, values[m] ?? 0]);
  return out;
}
