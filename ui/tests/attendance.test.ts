import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import SessionTable from "../src/features/attendance/SessionTable.svelte";
import type { Attendee, Session } from "../src/ipc";

afterEach(cleanup);

function big(n: number): Session {
  const attendees: Attendee[] = Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    name: i === 7 ? "=HYPERLINK(\"x\")" : `Student ${i}`,
    email: i % 10 === 0 ? null : `s${i}@school.example`,
    kind: i % 10 === 0 ? "anonymous" : "member",
    role: i === 0 ? "Organizer" : "Attendee",
    firstJoin: "2026-11-20T10:00:00Z",
    lastLeave: "2026-11-20T11:00:00Z",
    seconds: i % 3600,
    reportedSeconds: i % 3600,
    share: (i % 3600) / 3600,
    joins: 1,
    intervals: [{ join: "2026-11-20T10:00:00Z", leave: "2026-11-20T11:00:00Z", seconds: 3600 }],
    status: i % 3600 >= 2880 ? "completed" : "partial",
  }));
  return { reportId: "r", start: "2026-11-20T10:00:00Z", end: "2026-11-20T11:00:00Z", scheduledSeconds: 3600, participantCount: n, attendees, counts: { completed: 0, partial: 0, noShow: 0, unknown: 0 }, arrival: null, timesHidden: false };
}

describe("Session table", () => {
  it("keeps a 20,000-row session to a few DOM rows and filters all of them", async () => {
    render(SessionTable, { session: big(20_000), zone: "UTC" });
    const rows = screen.getAllByTestId("attendee-row");
    expect(rows.length).toBeLessThan(60);
    expect(screen.getByTestId("row-count").textContent).toBe("20000 / 20000");
    await fireEvent.input(screen.getByTestId("attendee-filter"), { target: { value: "student 1999" } });
    await waitFor(() => expect(screen.getByTestId("row-count").textContent).toBe("11 / 20000"));
    // Names render as text: a formula-like name is shown, not interpreted.
    await fireEvent.input(screen.getByTestId("attendee-filter"), { target: { value: "hyperlink" } });
    await waitFor(() => expect(screen.getAllByTestId("attendee-row")[0]?.textContent).toContain('=HYPERLINK("x")'));
  });

  it("lists registered no-shows from the roster", () => {
    render(SessionTable, { session: big(3), zone: "UTC", noShows: [{ email: "never@school.example", name: "Never Came" }] });
    expect(screen.getByTestId("row-count").textContent).toBe("4 / 4");
    expect(screen.getAllByTestId("attendee-row").some((r) => r.textContent?.includes("Never Came") && r.textContent.includes("No-show"))).toBe(true);
  });
});

describe("Attendance page", () => {
  it("drops a slow answer for a webinar the user has already left", async () => {
    const { default: AttendancePage } = await import("../src/features/attendance/AttendancePage.svelte");
    const { setBackend, IpcError } = await import("../src/ipc");
    const { fake } = await import("./fake");
    const w = (id: string, subject: string) =>
      ({ id, host: "a@x.example", subject, start: "2026-11-20T10:00:00Z", end: "2026-11-20T11:00:00Z", teams: true, cancelled: false, state: "ended" }) as unknown as import("../src/ipc").Webinar;
    const slow = w("slow", "Slow seminar");
    const quick = w("quick", "Quick seminar");
    let failSlow: (e: unknown) => void = () => {};
    let answerQuick: () => void = () => {};
    const quickData = (webinar: import("../src/ipc").Webinar) =>
      ({ webinar, meetingId: "m", sessions: [{ ...big(3), reportId: "r-quick" }], selected: 0, availability: "available", note: null, threshold: 0.8 }) as unknown as import("../src/ipc").WebinarAttendance;
    setBackend(
      fake({
        webinarsList: async () => ({ webinars: [slow, quick], problems: [] }),
        attendanceGet: (webinar) =>
          new Promise((resolve, reject) => {
            if (webinar.id === "slow") failSlow = reject;
            else answerQuick = () => resolve(quickData(webinar));
          }),
      }),
    );
    render(AttendancePage, { props: { hosts: ["a@x.example"], context: "Demo", connected: true } });
    const items = await screen.findAllByTestId("attendance-webinar");
    await fireEvent.click(items.find((b) => b.dataset.subject === "Slow seminar") as HTMLElement);
    await fireEvent.click(items.find((b) => b.dataset.subject === "Quick seminar") as HTMLElement);
    // The left webinar fails while the chosen one is still loading: no error, still loading.
    failSlow(new IpcError({ code: "unavailable", message: "Graph kept failing.", hint: null, requestId: null }));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByTestId("attendance-error")).toBeNull();
    expect(screen.getByRole("status").textContent).toContain("Reading attendance");
    answerQuick();
    await waitFor(() => expect(screen.getByTestId("attendee-count").textContent).toBe("3 attendees"));
    expect(screen.queryByTestId("attendance-error")).toBeNull();
  });

  it("Stop ends the wait for Graph; the late answer is dropped", async () => {
    const { default: AttendancePage } = await import("../src/features/attendance/AttendancePage.svelte");
    const { setBackend } = await import("../src/ipc");
    const { fake } = await import("./fake");
    const w = { id: "w", host: "a@x.example", subject: "Long seminar", start: "2026-11-20T10:00:00Z", end: "2026-11-20T11:00:00Z", teams: true, cancelled: false, state: "ended" } as unknown as import("../src/ipc").Webinar;
    let answer: () => void = () => {};
    setBackend(
      fake({
        webinarsList: async () => ({ webinars: [w], problems: [] }),
        attendanceGet: (webinar) =>
          new Promise((resolve) => {
            answer = () => resolve({ webinar, meetingId: "m", sessions: [{ ...big(5), reportId: "r" }], selected: 0, availability: "available", note: null, threshold: 0.8 } as unknown as import("../src/ipc").WebinarAttendance);
          }),
      }),
    );
    render(AttendancePage, { props: { hosts: ["a@x.example"], context: "Demo", connected: true } });
    await fireEvent.click(await screen.findByTestId("attendance-webinar"));
    await fireEvent.click(await screen.findByTestId("stop-loading"));
    expect(screen.queryByTestId("stop-loading")).toBeNull();
    answer();
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByTestId("attendee-count")).toBeNull();
  });
});
