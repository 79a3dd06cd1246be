// The user's display time zone: chosen in Settings (kept in the preferences), default this
// computer's. Instants stay UTC; this only decides how they are shown.
import { GRAPH_ZONES } from "./graph-zones";
import { prefs, updatePrefs } from "./prefs";

export function systemZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function displayZone(): string {
  return prefs().timeZone || systemZone();
}

export async function setDisplayZone(zone: string | null): Promise<void> {
  await updatePrefs({ timeZone: zone || null });
}

/** Every IANA zone this runtime knows. */
export function runtimeZones(): string[] {
  const f = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  return f ? f("timeZone") : [];
}

/** The zones the pickers offer: those Microsoft Graph accepts once mapped to their Windows zone
 *  (all but the few Windows has no zone for, such as Antarctica/Troll). */
export function zones(): string[] {
  const all = runtimeZones().filter((z) => GRAPH_ZONES.has(z));
  return all.includes("UTC") ? all : ["UTC", ...all];
}

/** Wall-clock parts of an instant in a zone: `YYYY-MM-DD` and `HH:MM`. */
export function wallClock(iso: string, zone: string): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "00";
  return { date: `${get("year")}-${get("month")}-${get("day")}`, time: `${get("hour")}:${get("minute")}` };
}
