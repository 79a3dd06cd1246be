import { render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { IpcError, setBackend } from "../src/ipc";
import { fake } from "./fake";

describe("App", () => {
  it("shows the DEMO badge, the tenant and each host's Teams status", async () => {
    setBackend(fake());
    render(App);
    await waitFor(() => expect(screen.getByTestId("demo-badge").textContent).toBe("DEMO"));
    await waitFor(() => expect(screen.getByTestId("hosts").textContent).toContain("Teams disabled"));
    expect(screen.getByTestId("tenant-line").textContent).toContain("tenant-1");
    expect(screen.getByText("No mailbox")).toBeTruthy();
  });

  it("shows an IPC error with its hint and request-id, never a blank page", async () => {
    setBackend(
      fake({
        tenantSummary: async () => {
          throw new IpcError({ code: "expiredSecret", message: "The client secret has expired.", hint: "Create a new secret.", requestId: "r-1" });
        },
      }),
    );
    render(App);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The client secret has expired.");
    expect(alert.textContent).toContain("Create a new secret.");
    expect(alert.textContent).toContain("r-1");
  });
});
