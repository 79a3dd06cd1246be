// The user's display time zone: chosen in Settings, default this computer's. Instants stay UTC;
// this only decides how they are shown.
const KEY = "rollcall.timeZone";

export function systemZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function displayZone(): string {
  try {
    return localStorage.getItem(KEY) || systemZone();
  } catch {
    return systemZone();
  }
}

export function setDisplayZone(zone: string | null): void {
  if (zone) localStorage.setItem(KEY, zone);
  else localStorage.removeItem(KEY);
}

/** IANA zones this runtime knows (for the pickers). */
export function zones(): string[] {
  const f = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  const all = f ? f("timeZone") : [];
  return all.includes("UTC") ? all : ["UTC", ...all];
}

/** Wall-clock parts of an instant in a zone: `YYYY-MM-DD` and `HH:MM`. */
export function wallClock(iso: string, zone: string): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "00";
  return { date: `${get("year")}-${get("month")}-${get("day")}`, time: `${get("hour")}:${get("minute")}` };
}
