import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { type AppStatus, setBackend } from "../src/ipc";
import { nav } from "../src/lib/nav.svelte";
import { fake } from "./fake";

const firstRun: AppStatus = {
  connected: false,
  demo: false,
  tenant: null,
  profile: "Not connected",
  mode: null,
  firstRun: true,
  version: "0.1.0",
  dataDir: "/data",
  logDir: "/data/logs",
  problem: { code: "invalidInput", message: "No tenant is connected yet.", hint: null, requestId: null },
  hosts: [],
  teamsWebinars: false,
};

describe("First run", () => {
  afterEach(cleanup);
  beforeEach(() => {
    nav.page = "setup";
    nav.connect = false;
  });

  it("offers the demo tenant; choosing it starts the demo and runs the checklist", async () => {
    let started = 0;
    let status = firstRun;
    const connected = await fake().appStatus();
    setBackend(
      fake({
        appStatus: async () => status,
        demoStart: async () => {
          started += 1;
          status = connected;
          return connected;
        },
      }),
    );
    render(App);
    await screen.findByTestId("welcome");
    // No error banner for the normal "nothing connected yet" state.
    expect(screen.queryByTestId("error")).toBeNull();
    expect(screen.getByTestId("tenant-line").textContent).toBe("Not connected");
    await fireEvent.click(screen.getByTestId("explore-demo"));
    await waitFor(() => expect(started).toBe(1));
    await waitFor(() => expect(screen.getByTestId("demo-badge").textContent).toBe("DEMO"));
    await waitFor(() => expect(screen.getByTestId("step-tenant").dataset.status).toBe("passed"));
    expect(screen.getByTestId("page-context").textContent).toContain("DEMO · Demo tenant · tenant-1");
  });

  it("connect leads into the setup page with the connection form open", async () => {
    setBackend(fake({ appStatus: async () => firstRun, profilesList: async () => ({ active: null, demoAvailable: false, profiles: [] }) }));
    render(App);
    await fireEvent.click(await screen.findByTestId("connect-tenant"));
    await screen.findByTestId("connect-intro");
    expect(screen.getByLabelText(/Directory \(tenant\) ID/)).toBeTruthy();
    expect(screen.getByLabelText(/Application \(client\) ID/)).toBeTruthy();
  });

  it("pages that need a tenant say what to do next", async () => {
    setBackend(fake({ appStatus: async () => ({ ...firstRun, firstRun: false }) }));
    render(App);
    await fireEvent.click(await screen.findByText("Calendar"));
    expect((await screen.findByTestId("calendar-empty")).textContent).toContain("Explore the demo tenant or connect");
    await fireEvent.click(screen.getByText("Get started"));
    await screen.findByTestId("welcome");
  });
});
