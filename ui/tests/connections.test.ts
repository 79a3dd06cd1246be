import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import ConnectionsPanel from "../src/features/settings/ConnectionsPanel.svelte";
import { IpcError, type Profile, type ProfilesView, setBackend } from "../src/ipc";
import { fake } from "./fake";

const prod: Profile = {
  id: "p1",
  name: "Production",
  cloud: "global",
  authority: null,
  graph: null,
  tenant: "contoso.onmicrosoft.com",
  clientId: "11111111-2222-3333-4444-555555555555",
  mode: "application",
  portalDomain: "lms.contoso.example",
  participantInfo: true,
  teamsWebinars: false,
  hosts: ["a@contoso.example"],
  secretHint: "Q~m",
  secretExpires: "2026-03-12",
  signedInAs: null,
  proxy: null,
  proxyUser: null,
};

const view: ProfilesView = { active: "p1", demoAvailable: false, profiles: [prod] };

afterEach(cleanup);

describe("Connections", () => {
  it("shows only the secret's hint and expiry, and an expired-secret error with its advice", async () => {
    setBackend(
      fake({
        profilesList: async () => view,
        connectionTest: async () => {
          throw new IpcError({
            code: "expiredSecret",
            message: "The client secret expired on 12 March 2026.",
            hint: "Create a new one in Certificates & secrets and paste its Value here.",
            requestId: "trace-1",
          });
        },
      }),
    );
    render(ConnectionsPanel, { onchange: () => {} });
    expect((await screen.findByTestId("secret-state")).textContent).toBe("Saved: Q~m… · expires 2026-03-12");
    await fireEvent.click(screen.getByTestId("test-connection"));
    const alert = await screen.findByTestId("connection-error");
    expect(alert.textContent).toContain("expired on 12 March 2026");
    expect(alert.textContent).toContain("paste its Value");
    expect(alert.textContent).toContain("trace-1");
  });

  it("keeps what was typed and marks the fields the backend rejects", async () => {
    let saved = 0;
    setBackend(
      fake({
        profilesList: async () => ({ ...view, profiles: [] }),
        profileValidate: async (p) => (p.clientId.length === 36 ? [] : [{ field: "clientId", message: "The Application (client) ID is a GUID." }]),
        profileSave: async () => {
          saved++;
          return view;
        },
      }),
    );
    render(ConnectionsPanel, { onchange: () => {} });
    await fireEvent.click(await screen.findByTestId("add-connection"));
    const form = screen.getByTestId("profile-form");
    const input = (name: string) => form.querySelector(`[name=${name}]`) as HTMLInputElement;
    await fireEvent.input(input("name"), { target: { value: "Staging" } });
    await fireEvent.input(input("clientId"), { target: { value: "Q~abc" } });
    await fireEvent.input(input("portalDomain"), { target: { value: "lms.staging.example" } });
    expect(screen.getByTestId("portal-redirect").textContent).toBe("https://lms.staging.example/api/v2/webinars/oauth/microsoft-callback");
    await fireEvent.submit(form);
    await waitFor(() => expect(screen.getByText("The Application (client) ID is a GUID.")).toBeTruthy());
    expect(saved).toBe(0);
    expect(input("name").value).toBe("Staging");
    expect(input("clientId").getAttribute("aria-invalid")).toBe("true");
  });

  it("saves a proxy for the connection, its password passed to the keychain and never kept in the form", async () => {
    let sent: { profile: Profile; proxyPassword: string | null | undefined } | null = null;
    setBackend(
      fake({
        profilesList: async () => ({ ...view, profiles: [] }),
        profileValidate: async () => [],
        profileSave: async (profile, _secret, proxyPassword) => {
          sent = { profile, proxyPassword };
          return view;
        },
      }),
    );
    render(ConnectionsPanel, { onchange: () => {} });
    await fireEvent.click(await screen.findByTestId("add-connection"));
    const form = screen.getByTestId("profile-form");
    const input = (name: string) => form.querySelector(`[name=${name}]`) as HTMLInputElement;
    await fireEvent.input(input("name"), { target: { value: "Behind the proxy" } });
    await fireEvent.input(input("proxy"), { target: { value: "http://proxy.school.example:8080" } });
    await fireEvent.input(input("proxyUser"), { target: { value: "rollcall" } });
    await fireEvent.input(input("proxyPassword"), { target: { value: "pa55" } });
    await fireEvent.submit(form);
    await waitFor(() => expect(sent).not.toBeNull());
    const got = sent as unknown as { profile: Profile; proxyPassword: string };
    expect(got.profile.proxy).toBe("http://proxy.school.example:8080");
    expect(got.profile.proxyUser).toBe("rollcall");
    expect(got.proxyPassword).toBe("pa55");
    expect(JSON.stringify(got.profile)).not.toContain("pa55");
  });

  it("offers the US Gov DoD cloud and says plainly what the China cloud cannot do", async () => {
    setBackend(fake({ profilesList: async () => ({ ...view, profiles: [] }) }));
    render(ConnectionsPanel, { onchange: () => {} });
    await fireEvent.click(await screen.findByTestId("add-connection"));
    const cloud = screen.getByTestId("profile-form").querySelector("[name=cloud]") as HTMLSelectElement;
    expect([...cloud.options].map((o) => o.value)).toContain("usGovDod");
    expect(screen.queryByTestId("cloud-limits")).toBeNull();
    await fireEvent.change(cloud, { target: { value: "china" } });
    expect((await screen.findByTestId("cloud-limits")).textContent).toContain("no online-meeting look-up or attendance reports");
  });

  it("shows the waiting state with Cancel during a browser sign-in", async () => {
    let release: (v: unknown) => void = () => {};
    let cancelled = false;
    const delegated = { ...prod, mode: "delegated" as const, secretHint: null };
    setBackend(
      fake({
        profilesList: async () => ({ ...view, profiles: [delegated] }),
        signInStart: async () => "http://127.0.0.1/authorize?x=1",
        signInWait: () =>
          new Promise((_, reject) => {
            release = () => reject(new IpcError({ code: "cancelled", message: "Sign-in cancelled.", hint: null, requestId: null }));
          }),
        signInCancel: async () => {
          cancelled = true;
          release(null);
        },
      }),
    );
    render(ConnectionsPanel, { onchange: () => {} });
    await fireEvent.click(await screen.findByTestId("sign-in"));
    const waiting = await screen.findByTestId("sign-in-waiting");
    expect(waiting.textContent).toContain("Waiting for the browser");
    await fireEvent.click(screen.getByText("Cancel"));
    await waitFor(() => expect(screen.queryByTestId("sign-in-waiting")).toBeNull());
    expect(cancelled).toBe(true);
    expect(screen.queryByTestId("connection-error")).toBeNull();
  });
});
