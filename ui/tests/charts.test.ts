import { describe, expect, it } from "vitest";
import { countsAt, fivePercentBars, laneBar, linear, minuteTicks, niceMax, sampled, stepArea } from "../src/features/attendance/charts/chart";

describe("chart helpers", () => {
  const shares = new Array<number>(101).fill(0);
  shares[0] = 2;
  shares[45] = 3;
  shares[80] = 4;
  shares[100] = 1;

  it("recounts completed and partial at any whole-percent threshold", () => {
    expect(countsAt(shares, 80)).toEqual({ completed: 5, partial: 5 });
    expect(countsAt(shares, 81)).toEqual({ completed: 1, partial: 9 });
    expect(countsAt(shares, 1)).toEqual({ completed: 8, partial: 2 });
    expect(countsAt(shares, 100)).toEqual({ completed: 1, partial: 9 });
    expect(countsAt(shares, 250)).toEqual({ completed: 0, partial: 10 });
  });

  it("groups the bins into 5 % bars with a last bar for 100 % or more", () => {
    const bars = fivePercentBars(shares);
    expect(bars).toHaveLength(21);
    expect(bars[0]).toBe(2);
    expect(bars[9]).toBe(3);
    expect(bars[16]).toBe(4);
    expect(bars[20]).toBe(1);
    expect(bars.reduce((a, b) => a + b, 0)).toBe(10);
  });

  it("places lane bars on the axis and clips them", () => {
    const axis = "2026-03-02T10:00:00Z";
    expect(laneBar(axis, 60, "2026-03-02T10:15:00Z", "2026-03-02T10:45:00Z")).toEqual({ left: 25, width: 50 });
    expect(laneBar(axis, 60, "2026-03-02T09:00:00Z", "2026-03-02T10:30:00Z")).toEqual({ left: 0, width: 50 });
    expect(laneBar(axis, 60, "2026-03-02T12:00:00Z", "2026-03-02T13:00:00Z")).toBeNull();
    expect(laneBar(axis, 60, null, "2026-03-02T10:30:00Z")).toBeNull();
    expect(laneBar(axis, 60, "2026-03-02T10:30:00Z", "2026-03-02T10:10:00Z")).toBeNull();
  });

  it("draws a closed step outline and samples for the data table", () => {
    const x = linear(0, 3, 0, 30);
    const y = linear(0, 2, 20, 0);
    expect(stepArea([1, 2, 0], x, y)).toBe("M0.0,20.0L0.0,10.0L10.0,10.0L10.0,0.0L20.0,0.0L20.0,20.0L30.0,20.0L30.0,20.0Z");
    expect(stepArea([], x, y)).toBe("");
    expect(sampled([1, 2, 3, 4, 5, 6, 7], 5)).toEqual([[0, 1], [5, 6]]);
  });

  it("chooses few ticks and a round axis maximum", () => {
    expect(minuteTicks(60)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(minuteTicks(240).length).toBeLessThanOrEqual(9);
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(8);
    expect(niceMax(107)).toBe(120);
    expect(niceMax(412)).toBe(500);
    expect(niceMax(180)).toBe(200);
    expect(linear(5, 5, 1, 9)(7)).toBe(1);
  });
});
