// Generates gen/windows-zones.json: the IANA → Windows time-zone mapping Graph needs, from the
// Unicode CLDR (npm `cldr-core` supplemental/windowsZones.json, with every alias of a zone from
// `cldr-bcp47` bcp47/timezone.json), plus the IANA names Graph documents as accepted
// (microsoftgraph/microsoft-graph-docs-contrib: api-reference/v1.0/resources/datetimetimezone.md).
//
//   node scripts/gen-windows-zones.mjs          write the file
//   node scripts/gen-windows-zones.mjs --check  exit 1 when the committed file is out of date
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}gen/windows-zones.json`;

/// The IANA names dateTimeTimeZone lists besides Windows names (in the page's order; the page's
/// parenthesised older names are accepted as well).
const GRAPH_IANA = `Etc/GMT+12 Etc/GMT+11 Pacific/Honolulu America/Anchorage America/Santa_Isabel
America/Los_Angeles America/Phoenix America/Chihuahua America/Denver America/Guatemala America/Chicago
America/Mexico_City America/Regina America/Bogota America/New_York America/Indiana/Indianapolis
America/Caracas America/Asuncion America/Halifax America/Cuiaba America/La_Paz America/Santiago
America/St_Johns America/Sao_Paulo America/Argentina/Buenos_Aires America/Cayenne America/Godthab
America/Montevideo America/Bahia Etc/GMT+2 Atlantic/Azores Atlantic/Cape_Verde Africa/Casablanca Etc/GMT
Europe/London Atlantic/Reykjavik Europe/Berlin Europe/Budapest Europe/Paris Europe/Warsaw Africa/Lagos
Africa/Windhoek Europe/Bucharest Asia/Beirut Africa/Cairo Asia/Damascus Africa/Johannesburg Europe/Kyiv
Europe/Kiev Europe/Istanbul Asia/Jerusalem Asia/Amman Asia/Baghdad Europe/Kaliningrad Asia/Riyadh
Africa/Nairobi Asia/Tehran Asia/Dubai Asia/Baku Europe/Moscow Indian/Mauritius Asia/Tbilisi Asia/Yerevan
Asia/Kabul Asia/Karachi Asia/Toshkent Asia/Tashkent Asia/Kolkata Asia/Colombo Asia/Kathmandu Asia/Astana
Asia/Almaty Asia/Dhaka Asia/Yekaterinburg Asia/Yangon Asia/Rangoon Asia/Bangkok Asia/Novosibirsk
Asia/Shanghai Asia/Krasnoyarsk Asia/Singapore Australia/Perth Asia/Taipei Asia/Ulaanbaatar Asia/Irkutsk
Asia/Tokyo Asia/Seoul Australia/Adelaide Australia/Darwin Australia/Brisbane Australia/Sydney
Pacific/Port_Moresby Australia/Hobart Asia/Yakutsk Pacific/Guadalcanal Asia/Vladivostok Pacific/Auckland
Etc/GMT-12 Pacific/Fiji Asia/Magadan Pacific/Tongatapu Pacific/Apia Pacific/Kiritimati`.split(/\s+/);

export function generate() {
  const cldr = require("cldr-core/package.json").version;
  const zones = require("cldr-core/supplemental/windowsZones.json").supplemental.windowsZones.mapTimezones;
  const tz = require("cldr-bcp47/bcp47/timezone.json").keyword.u.tz;
  const windows = {}; // Windows name → IANA zone of territory 001 (the zone the emulator computes in)
  const iana = {}; // IANA name (every alias) → Windows name
  for (const { mapZone: m } of zones) {
    if (m._territory === "001") windows[m._other] = m._type;
    for (const name of m._type.split(" ")) iana[name] ??= m._other;
  }
  // Every alias of a zone maps like the zone (Europe/Kyiv and Europe/Kiev, Asia/Kolkata and Asia/Calcutta).
  const aliases = (v) => [...(v._alias ?? "").split(" "), v._iana].filter(Boolean);
  for (const v of Object.values(tz)) {
    if (typeof v !== "object") continue;
    const target = v._preferred ? tz[v._preferred] : v;
    if (!target || typeof target !== "object") continue;
    const names = [...aliases(v), ...aliases(target)];
    const win = names.map((n) => iana[n]).find(Boolean);
    if (win) for (const n of names) iana[n] ??= win;
  }
  const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    source: `Unicode CLDR ${cldr}: cldr-core supplemental/windowsZones.json, aliases from cldr-bcp47 bcp47/timezone.json; graphIana: api-reference/v1.0/resources/datetimetimezone.md`,
    windows: sorted(windows),
    iana: sorted(iana),
    graphIana: GRAPH_IANA,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = JSON.stringify(generate(), null, 1) + "\n";
  if (process.argv.includes("--check")) {
    if (readFileSync(out, "utf8") !== text) {
      console.error("gen/windows-zones.json is out of date: run node scripts/gen-windows-zones.mjs");
      process.exit(1);
    }
  } else {
    writeFileSync(out, text);
    console.log(`wrote ${out}`);
  }
}
