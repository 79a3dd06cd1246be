// Cross-page navigation: the page shown, and a webinar to open on the Attendance page.
import type { Webinar } from "../ipc";

export type Page = "welcome" | "setup" | "calendar" | "attendance" | "settings";

/** The pages of the main navigation, in shortcut order (Ctrl/⌘ + 1…4). */
export const mainPages = ["setup", "calendar", "attendance", "settings"] as const;

export const nav = $state<{ page: Page; openWebinar: Webinar | null; connect: boolean; step: string | null }>({
  page: "setup",
  openWebinar: null,
  connect: false,
  step: null,
});

/** Open Setup at one step (the one that owns a problem shown elsewhere). */
export function openSetupStep(id: string): void {
  nav.step = id;
  nav.page = "setup";
}

/** Show the attendance of a webinar (from the calendar's details panel). */
export function openAttendance(w: Webinar): void {
  nav.openWebinar = w;
  nav.page = "attendance";
}

/** "Connect your Microsoft 365 tenant": the Setup page opens with the connection form. */
export function startConnecting(): void {
  nav.connect = true;
  nav.page = "setup";
}

/** Back to the welcome screen (from a page that needs a connection). */
export function goWelcome(): void {
  nav.page = "welcome";
}

/**
 * Where Calendar and Attendance were when the user left them, for this run of the app: coming
 * back finds the same view, week and webinar. Hosts' problems dismissed stay dismissed.
 */
export const place = $state<{
  calendarView: string;
  calendarDate: Date | null;
  /** The first day of the week last shown in Week view (Month → Week returns to it). */
  calendarWeek: Date | null;
  dismissed: string[];
  /** The webinar open in Attendance, and the connection it belongs to (another one does not reopen it). */
  attendance: Webinar | null;
  attendanceOf: string;
}>({ calendarView: "timeGridWeek", calendarDate: null, calendarWeek: null, dismissed: [], attendance: null, attendanceOf: "" });
