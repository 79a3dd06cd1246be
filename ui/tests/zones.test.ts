// Every zone the pickers can offer is one Microsoft Graph accepts once mapped to its Windows name
// (Graph takes Windows names and only ~100 IANA names: resources/datetimetimezone.md).
import { describe, expect, it } from "vitest";
import { GRAPH_ZONES } from "../src/lib/graph-zones";
import { runtimeZones, zones } from "../src/lib/zone";

describe("time zones", () => {
  it("maps every zone this runtime knows but those Windows has none for", () => {
    const all = runtimeZones();
    expect(all.length).toBeGreaterThan(300);
    const unmapped = all.filter((z) => !GRAPH_ZONES.has(z));
    // CLDR has no Windows zone for these; the pickers leave them out.
    expect(unmapped.filter((z) => z !== "Antarctica/Troll")).toEqual([]);
  });

  it("offers UTC and the common zones Graph does not list by their IANA name", () => {
    const offered = zones();
    for (const z of ["UTC", "Europe/Vienna", "Europe/Amsterdam", "America/Toronto", "Europe/Berlin"]) {
      expect(offered).toContain(z);
    }
    expect(offered).not.toContain("Antarctica/Troll");
  });
});
