// Preferences live in the backend's file, not in the window's storage: changes reach the backend,
// a reload reads them back, and the last save's folder is kept for the next save dialog.
import { beforeEach, describe, expect, test } from "vitest";
import { setBackend } from "../src/ipc";
import { loadPrefs, prefs, setTheme, setThresholdPercent, theme, thresholdPercent } from "../src/lib/prefs";
import { rememberFolder } from "../src/lib/saveAs";
import { displayZone, setDisplayZone } from "../src/lib/zone";
import { fake } from "./fake";

describe("preferences", () => {
  let backend: ReturnType<typeof fake>;
  beforeEach(async () => {
    localStorage.clear();
    backend = fake();
    setBackend(backend);
    await loadPrefs();
  });

  test("changes are saved by the backend and read back after a reload, never in localStorage", async () => {
    await setTheme("dark");
    await setThresholdPercent(75);
    await setDisplayZone("Pacific/Kiritimati");
    expect(await backend.preferencesGet()).toEqual({ theme: "dark", threshold: 0.75, timeZone: "Pacific/Kiritimati" });
    expect(localStorage.length).toBe(0);
    await loadPrefs();
    expect(theme()).toBe("dark");
    expect(thresholdPercent()).toBe(75);
    expect(displayZone()).toBe("Pacific/Kiritimati");
    await setTheme("system");
    expect((await backend.preferencesGet()).theme).toBeNull();
    expect(theme()).toBe("system");
  });

  test("the folder of the last save is kept for the next save dialog (which opens in the backend)", async () => {
    await rememberFolder("/home/ann/exports/a.csv");
    expect((await backend.preferencesGet()).lastFolder).toBe("/home/ann/exports");
    await rememberFolder("C:\\Users\\ann\\Documents\\b.csv");
    expect(prefs().lastFolder).toBe("C:\\Users\\ann\\Documents");
  });
});
