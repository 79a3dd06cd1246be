// A fake backend for UI tests: each test overrides what it exercises.
import type { Backend, TenantSummary } from "../src/ipc";

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

export function fake(over: Partial<Backend> = {}): Backend {
  const none = async () => {
    throw new Error("not used in this test");
  };
  return {
    appStatus: async () => ({ connected: true, demo: true, tenant: "tenant-1", profile: "Demo tenant", version: "0.1.0", problem: null }),
    tenantSummary: async () => summary,
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
    ...over,
  };
}
