import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { IpcError, setBackend, type Step } from "../src/ipc";
import { fake, results } from "./fake";

afterEach(cleanup);

describe("App", () => {
  it("shows the DEMO badge, the tenant and the checked set-up steps", async () => {
    setBackend(fake());
    render(App);
    await waitFor(() => expect(screen.getByTestId("demo-badge").textContent).toBe("DEMO"));
    expect(screen.getByTestId("tenant-line").textContent).toContain("tenant-1");
    // The checklist runs every check at once and shows each result with its fix.
    await waitFor(() => expect(screen.getByTestId("step-accessPolicy").dataset.status).toBe("failed"));
    expect(screen.getByTestId("step-tenant").dataset.status).toBe("passed");
    expect(screen.getByTestId("step-smoke").dataset.status).toBe("waiting");
    expect(screen.getByTestId("script").textContent).toContain("Grant-CsApplicationAccessPolicy");
    expect(screen.getByTestId("script-ran").textContent).toContain("I ran the script");
    expect(screen.getByTestId("setup-counts").textContent).toBe("1 passed · 1 failed · 0 warnings");
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

  it("Stop ends a round of checks that hangs; its late answer is dropped", async () => {
    let answer: () => void = () => {};
    setBackend(
      fake({
        setupCheck: async (id) => {
          if (id === "accessPolicy") await new Promise<void>((r) => (answer = r));
          return structuredClone((results[id] ?? results.tenant) as Step);
        },
      }),
    );
    render(App);
    await waitFor(() => expect(screen.getByTestId("step-tenant").dataset.status).toBe("passed"));
    await waitFor(() => expect(screen.getByTestId("check-all").textContent).toContain("Checking… 1 of 2"));
    await fireEvent.click(screen.getByTestId("stop-checks"));
    expect(screen.queryByTestId("stop-checks")).toBeNull();
    expect(screen.getByTestId("check-all").textContent).toBe("Check all");
    expect(screen.getByTestId("step-accessPolicy").dataset.status).toBe("waiting");
    answer();
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByTestId("step-accessPolicy").dataset.status).toBe("waiting");
  });
});
