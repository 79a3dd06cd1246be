// A fake backend for UI tests: each test overrides what it exercises.
import type { Backend, Checklist, Step, TenantSummary } from "../src/ipc";

export const summary: TenantSummary = {
  tenantId: "tenant-1",
  clientId: "client-1",
  demo: true,
  permissions: ["User.Read.All", "Calendars.ReadWrite"],
  hosts: [
    { email: "a@x.example", displayName: "Ann", userPrincipalName: "a@x.example", teams: "enabled", upcoming: [], recent: [], problem: null },
    { email: "d@x.example", displayName: "Dan", userPrincipalName: "d@x.example", teams: "disabled", upcoming: [], recent: [], problem: "No mailbox" },
  ],
};

const step = (id: string, number: number, over: Partial<Step> = {}): Step => ({
  id,
  number,
  title: id,
  why: "why",
  todo: ["do this"],
  values: [],
  scripts: [],
  how: "how",
  status: "waiting",
  detail: ["Not checked yet."],
  evidence: [],
  checkedAt: null,
  recheckMinutes: null,
  onDemand: false,
  ...over,
});

export const checklist: Checklist = {
  profile: "Demo tenant",
  tenant: "tenant-1",
  clientId: "client-1",
  mode: "application",
  participantInfo: true,
  demo: true,
  steps: [step("tenant", 1, { title: "Tenant exists" }), step("accessPolicy", 2, { title: "Teams application access policy" }), step("smoke", 3, { onDemand: true })],
};

/** What each check returns in the fake tenant. */
export const results: Record<string, Step> = {
  tenant: step("tenant", 1, { title: "Tenant exists", status: "passed", detail: ["The tenant answers."], checkedAt: "2026-11-26T10:00:00Z" }),
  accessPolicy: step("accessPolicy", 2, {
    title: "Teams application access policy",
    status: "failed",
    detail: ["Not covered: lidia@x.example."],
    scripts: [{ label: "Everyone (Global)", value: 'Grant-CsApplicationAccessPolicy -PolicyName "LMS-Teams-Webinars" -Global\n' }],
    recheckMinutes: 5,
    evidence: [{ request: "GET /users/1/onlineMeetings", answer: "403", requestId: "req-9" }],
    checkedAt: "2026-11-26T10:00:00Z",
  }),
};

export function fake(over: Partial<Backend> = {}): Backend {
  let saved: import("../src/ipc").Preferences = {};
  const none = async () => {
    throw new Error("not used in this test");
  };
  return {
    appStatus: async () => ({ connected: true, demo: true, tenant: "tenant-1", profile: "Demo tenant", mode: "application", firstRun: false, version: "0.1.0", dataDir: "/data", logDir: "/data/logs", problem: null, hosts: ["a@x.example", "d@x.example"], teamsWebinars: false }),
    tenantSummary: async () => summary,
    demoStart: none,
    diagnostics: async () => "Rollcall diagnostics",
    uiReady: async () => {},
    profilesList: async () => ({ active: "demo", demoAvailable: true, profiles: [] }),
    profileValidate: async () => [],
    profileSave: none,
    profileDelete: none,
    profileActivate: none,
    connectionTest: none,
    signInStart: none,
    signInWait: none,
    signInCancel: async () => {},
    signOut: none,
    setupPlan: async () => structuredClone(checklist),
    setupCheck: async (id) => {
      const r = results[id];
      if (!r) throw new Error(`no result for ${id}`);
      return structuredClone(r);
    },
    setupReportSave: none,
    adminSignInStart: none,
    adminSignInWait: none,
    adminSignOut: async () => {},
    fixPlan: none,
    fixApply: none,
    secretRenew: none,
    secretRetire: none,
    changesList: async () => [],
    changeUndo: none,
    registrationSignInStart: none,
    registrationCreate: none,
    webinarsList: async () => ({ webinars: [], problems: [] }),
    webinarsArchived: async () => ({ webinars: [], problems: [] }),
    webinarValidate: async () => [],
    webinarCreate: none,
    webinarUpdate: none,
    webinarCancel: none,
    webinarDetails: none,
    webinarJoin: none,
    attendanceGet: none,
    attendanceArchived: async () => null,
    attendanceImport: none,
    attendanceImportAgain: none,
    // No drags in unit tests: the first answer is the start, and nothing ever changes after it.
    filesDropWait: (seen) => (seen ? new Promise(() => {}) : Promise.resolve({ hovering: false, drop: 0, files: 0 })),
    attendanceImportDropped: async () => null,
    attendanceExport: none,
    attendanceExportRange: none,
    attendancePictures: none,
    attendanceOverview: none,
    attendanceReport: none,
    attendanceReportRange: none,
    ledgerGet: none,
    ledgerExport: none,
    syncHistory: none,
    archiveInfo: async () => ({ shown: "/data/archive-demo.sqlite", shared: false, writable: true, demo: true, sessions: 0, attendees: 0, runs: 0 }),
    archiveUseShared: none,
    archiveUseFile: none,
    syncRun: none,
    lateCredits: none,
    lateLinks: none,
    lateExport: none,
    scheduleGet: none,
    scheduleInstall: none,
    scheduleRemove: none,
    noticesRecent: none,
    eventCreate: none,
    eventTransition: none,
    rosterMatch: none,
    rosterRemember: none,
    syncStart: none,
    syncStatus: none,
    syncCancel: async () => {},
    // Preferences kept in memory, as the backend would keep them in its file.
    preferencesGet: async () => ({ ...saved }),
    preferencesSet: async (p) => {
      saved = { ...p };
      return { ...saved };
    },
    ...over,
  };
}
