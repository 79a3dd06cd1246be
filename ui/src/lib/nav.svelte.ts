// Cross-page navigation: the page shown, and a webinar to open on the Attendance page.
import type { Webinar } from "../ipc";

export type Page = "setup" | "calendar" | "attendance" | "settings";

export const nav = $state<{ page: Page; openWebinar: Webinar | null }>({ page: "setup", openWebinar: null });

/** Show the attendance of a webinar (from the calendar's details panel). */
export function openAttendance(w: Webinar): void {
  nav.openWebinar = w;
  nav.page = "attendance";
}
