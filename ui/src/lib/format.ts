/** Format a UTC RFC 3339 instant in the user's zone. */
export function formatWhen(iso: string, zone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: zone }).format(d);
}

/** A date only, in the user's zone. */
export function formatDate(iso: string, zone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: zone }).format(d);
}

/** A time of day with seconds, in the user's zone (join and leave times within a session). */
export function formatTime(iso: string, zone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, { timeStyle: "medium", timeZone: zone }).format(d);
}

/** Whether a host's problem already names its host (most do not: the host is shown beside them). */
export function namesHost(p: { host: string; error: { message: string } }): boolean {
  return p.error.message.includes(p.host);
}
