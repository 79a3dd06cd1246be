// Cross-page navigation: the page shown, and a webinar to open on the Attendance page.
import type { Webinar } from "../ipc";

export type Page = "welcome" | "setup" | "calendar" | "attendance" | "settings";

/** The pages of the main navigation, in shortcut order (Ctrl/⌘ + 1…4). */
export const mainPages = ["setup", "calendar", "attendance", "settings"] as const;

export const nav = $state<{ page: Page; openWebinar: Webinar | null; connect: boolean }>({
  page: "setup",
  openWebinar: null,
  connect: false,
});

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
