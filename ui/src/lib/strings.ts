// User-facing strings in one place, so a translation can be added.
export const t = {
  appName: "Rollcall",
  nav: { setup: "Setup", calendar: "Calendar", attendance: "Attendance", settings: "Settings" },
  demo: "DEMO",
  loading: "Loading from the tenant…",
  refresh: "Refresh",
  notConnected: "Not connected",
  setup: {
    title: "Setup",
    tenant: "Tenant",
    app: "App (client) ID",
    permissions: "Permissions granted to the app",
    noPermissions: "The token carries no application permissions: grant admin consent.",
    hosts: "Hosts",
    teams: { enabled: "Teams enabled", disabled: "Teams disabled", none: "No Teams licence", unknown: "Unknown" },
  },
  calendar: { title: "Upcoming webinars (next 30 days)", empty: "No Teams webinars in the next 30 days." },
  attendance: { title: "Ended webinars (last 30 days)", empty: "No Teams webinars ended in the last 30 days." },
  settings: { title: "Settings", connection: "Active connection", version: "Version" },
} as const;
