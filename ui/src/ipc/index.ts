// The one facade the UI talks to. Pages never import `bindings.ts` directly, so tests can swap the
// backend (see `setBackend`) and the generated file stays an implementation detail.
import {
  type CreateRequest,
  type CreatedView,
  type AdminIdentity,
  type Applied,
  type ChangeRecord,
  type Plan,
  type RenewedView,
  type AppStatus,
  type Checklist,
  type ConnectionStatus,
  type CoreError,
  type CsvOptions,
  commands,
  type DropNews,
  type Exported,
  type Format,
  type FieldError,
  type ImportedFile,
  type Level,
  type NewWebinar,
  type Ledger,
  type Job,
  type MissedCredit,
  type Notice,
  type Run,
  type ArchiveInfo,
  type Overview,
  type OverviewQuery,
  type Pictures,
  type Scope,
  type Preferences,
  type Profile,
  type ProfilesView,
  type RosterMatch,
  type Step,
  type SyncState,
  type TenantSummary,
  type Webinar,
  type WebinarAttendance,
  type WebinarDetails,
  type WebinarEdit,
  type WebinarRange,
} from "./bindings";

export type {
  ArchiveInfo,
  CreateRequest,
  CreatedView,
  AdminIdentity,
  Applied,
  Change,
  ChangeRecord,
  Plan,
  RenewedView,
  DropNews,
  ImportedFile,
  AppStatus,
  EventStatus,
  JoinedBy,
  Ledger,
  LedgerCounts,
  LedgerRow,
  Overview,
  OverviewQuery,
  OverviewRow,
  RegistrationCounts,
  RegistrationStatus,
  SessionLedger,
  Standing,
  TeamsWebinar,
  WebinarFormat,
  Pictures,
  Scope,
  SeriesPerson,
  SeriesPicture,
  SeriesPoint,
  SessionPicture,
  Week,
  Exported,
  Format,
  Preferences,
  Attendee,
  AuthMode,
  Availability,
  Checklist,
  Cloud,
  Completion,
  ConnectionStatus,
  CopyValue,
  CoreError,
  CsvOptions,
  ErrorCode,
  Evidence,
  FieldError,
  HostSummary,
  Level,
  NewWebinar,
  ParticipantKind,
  Profile,
  ProfilesView,
  RecurrenceInput,
  Repeat,
  RosterMatch,
  Session,
  Status,
  Step,
  SyncState,
  TenantSummary,
  Webinar,
  WebinarAttendance,
  WebinarBrief,
  WebinarDetails,
  WebinarEdit,
  WebinarRange,
  WebinarState,
} from "./bindings";

export interface Backend {
  appStatus(): Promise<AppStatus>;
  tenantSummary(): Promise<TenantSummary>;
  /** Start the built-in demo tenant (once) and make it active. */
  demoStart(): Promise<AppStatus>;
  /** The "Copy diagnostics" text: versions, OS, profile without secrets, recent errors. */
  diagnostics(): Promise<string>;
  /** The first page is interactive (logs the start-up time). */
  uiReady(page: string): Promise<void>;
  profilesList(): Promise<ProfilesView>;
  profileValidate(profile: Profile): Promise<FieldError[]>;
  /** `secret` is the client secret's Value; it is sent once and never comes back. */
  profileSave(profile: Profile, secret: string | null, proxyPassword?: string | null): Promise<ProfilesView>;
  profileDelete(id: string): Promise<ProfilesView>;
  profileActivate(id: string): Promise<ProfilesView>;
  connectionTest(): Promise<ConnectionStatus>;
  signInStart(id: string): Promise<string>;
  signInWait(): Promise<ConnectionStatus>;
  signInCancel(): Promise<void>;
  signOut(id: string): Promise<ProfilesView>;
  setupPlan(): Promise<Checklist>;
  setupCheck(id: string): Promise<Step>;
  /** Save the set-up report where the user chooses (the dialog opens in the backend); the path, or null when cancelled. */
  setupReportSave(): Promise<string | null>;
  /** An administrator's sign-in for `purpose` ("fix" with `steps`, or "secret"): the address the browser opens. */
  adminSignInStart(purpose: "fix" | "secret", steps: string[]): Promise<string>;
  adminSignInWait(): Promise<AdminIdentity>;
  /** Stop waiting, or forget the administrator. */
  adminSignOut(): Promise<void>;
  fixPlan(steps: string[]): Promise<Plan>;
  fixApply(ids: string[]): Promise<Applied>;
  /** The new secret's value crosses to the window once, to be pasted into the LMS. */
  secretRenew(months: number): Promise<RenewedView>;
  secretRetire(): Promise<ChangeRecord>;
  changesList(): Promise<ChangeRecord[]>;
  changeUndo(index: number): Promise<ChangeRecord>;
  /** An administrator's sign-in to create the LMS's registration in `request.tenant`. */
  registrationSignInStart(request: CreateRequest): Promise<string>;
  /** Create it, save its profile; the secret crosses once, to be pasted into the LMS. */
  registrationCreate(request: CreateRequest): Promise<CreatedView>;
  webinarsList(from: string, to: string, hosts: string[] | null, teamsOnly: boolean): Promise<WebinarRange>;
  webinarsArchived(from: string, to: string, hosts: string[] | null): Promise<WebinarRange>;
  webinarValidate(w: NewWebinar): Promise<FieldError[]>;
  webinarCreate(w: NewWebinar): Promise<Webinar>;
  webinarUpdate(e: WebinarEdit): Promise<Webinar>;
  webinarCancel(host: string, id: string, message: string): Promise<void>;
  webinarDetails(host: string, id: string): Promise<WebinarDetails>;
  /** Open the Teams join link in the system browser (https Teams hosts only; checked in the backend). */
  webinarJoin(url: string): Promise<void>;
  attendanceGet(webinar: Webinar, threshold: number): Promise<WebinarAttendance>;
  attendanceArchived(webinar: Webinar, threshold: number): Promise<WebinarAttendance | null>;
  /** Import Teams attendance files: the open dialog asks for them in the backend; each file's outcome; null when cancelled. */
  attendanceImport(host: string, timeZone: string): Promise<ImportedFile[] | null>;
  /** Import one file of the last batch again, its dates read in the order chosen (`dmy`, `mdy`). */
  attendanceImportAgain(index: number, host: string, timeZone: string, dateOrder: string): Promise<ImportedFile>;
  /** Wait (≤ 30 s) for files to come over the window or be dropped: the news once it differs from `seen` (at once for null). */
  filesDropWait(seen: DropNews | null): Promise<DropNews>;
  /** Import the files of drop number `drop`, like `attendanceImport`; null when that drop is gone or imported already. */
  attendanceImportDropped(drop: number, host: string, timeZone: string): Promise<ImportedFile[] | null>;
  /** Export as CSV where the user chooses (the save dialog opens in the backend, named `suggestedName`); null when cancelled. */
  attendanceExport(webinarId: string, session: number | null, format: Format, level: Level, options: CsvOptions, suggestedName: string): Promise<Exported | null>;
  attendanceExportRange(from: string, to: string, format: Format, level: Level, options: CsvOptions, suggestedName: string): Promise<Exported | null>;
  /** Match against the LMS participant list: `choose` opens the file dialog in the backend, else the list opened last is used; null when cancelled or none. */
  attendancePictures(webinarId: string): Promise<Pictures>;
  attendanceOverview(query: OverviewQuery): Promise<Overview>;
  attendanceReport(webinarId: string, scope: Scope, timeZone: string, suggestedName: string): Promise<Exported | null>;
  attendanceReportRange(suggestedName: string): Promise<Exported | null>;
  ledgerGet(webinar: Webinar, threshold: number): Promise<Ledger>;
  ledgerExport(webinarId: string, format: Format, timeZone: string, suggestedName: string): Promise<Exported | null>;
  syncHistory(limit: number): Promise<Run[]>;
  syncRun(id: number): Promise<Run | null>;
  /** Where the active connection's archive lives, whether this user may write, what it holds. */
  archiveInfo(): Promise<ArchiveInfo>;
  /** Use a shared database from now on; `moveHere` first copies this computer's archive into it (verified). */
  archiveUseShared(address: string, password: string, moveHere: boolean): Promise<ArchiveInfo>;
  /** Use this computer's archive file again. */
  archiveUseFile(): Promise<ArchiveInfo>;
  lateCredits(from: string, to: string, threshold: number, possibly: boolean): Promise<MissedCredit[]>;
  lateLinks(from: string, to: string): Promise<string[]>;
  lateExport(from: string, to: string, threshold: number, possibly: boolean, format: Format, timeZone: string): Promise<Exported | null>;
  scheduleGet(): Promise<Job | null>;
  scheduleInstall(at: string): Promise<Job>;
  scheduleRemove(): Promise<boolean>;
  noticesRecent(): Promise<Notice[]>;
  eventCreate(subject: string, start: string, timeZone: string, durationMinutes: number): Promise<string>;
  eventTransition(id: string, publish: boolean): Promise<null>;
  rosterMatch(webinarId: string, session: number, choose: boolean): Promise<RosterMatch | null>;
  rosterRemember(attendeeKey: string, email: string): Promise<void>;
  syncStart(from: string, to: string): Promise<SyncState>;
  syncStatus(): Promise<SyncState>;
  syncCancel(): Promise<void>;
  preferencesGet(): Promise<Preferences>;
  /** Replace the saved preferences; returns what was kept. */
  preferencesSet(p: Preferences): Promise<Preferences>;
}

/** An IPC failure with the closed error code set; the UI branches on `code`, never on text. */
export class IpcError extends Error {
  constructor(public readonly detail: CoreError) {
    super(detail.message);
  }
}

/** Any thrown value as an IpcError (a non-IPC failure is `internal`). */
export function asIpcError(e: unknown): IpcError {
  return e instanceof IpcError ? e : new IpcError({ code: "internal", message: String(e), hint: null, requestId: null });
}

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: CoreError };

function unwrap<T>(r: Result<T>): T {
  if (r.status === "ok") return r.data;
  throw new IpcError(r.error);
}

export const tauriBackend: Backend = {
  appStatus: async () => unwrap(await commands.appStatus()),
  tenantSummary: async () => unwrap(await commands.tenantSummary()),
  demoStart: async () => unwrap(await commands.demoStart()),
  diagnostics: async () => unwrap(await commands.diagnostics()),
  uiReady: async (page) => {
    unwrap(await commands.uiReady(page));
  },
  profilesList: async () => unwrap(await commands.profilesList()),
  profileValidate: async (p) => unwrap(await commands.profileValidate(p)),
  profileSave: async (p, s, pw) => unwrap(await commands.profileSave(p, s, pw ?? null)),
  profileDelete: async (id) => unwrap(await commands.profileDelete(id)),
  profileActivate: async (id) => unwrap(await commands.profileActivate(id)),
  connectionTest: async () => unwrap(await commands.connectionTest()),
  signInStart: async (id) => unwrap(await commands.signInStart(id)),
  signInWait: async () => unwrap(await commands.signInWait()),
  signInCancel: async () => {
    unwrap(await commands.signInCancel());
  },
  signOut: async (id) => unwrap(await commands.signOut(id)),
  setupPlan: async () => unwrap(await commands.setupPlan()),
  setupCheck: async (id) => unwrap(await commands.setupCheck(id)),
  setupReportSave: async () => unwrap(await commands.setupReportSave()),
  adminSignInStart: async (purpose, steps) => unwrap(await commands.adminSignInStart(purpose, steps)),
  adminSignInWait: async () => unwrap(await commands.adminSignInWait()),
  adminSignOut: async () => {
    unwrap(await commands.adminSignOut());
  },
  fixPlan: async (steps) => unwrap(await commands.fixPlan(steps)),
  fixApply: async (ids) => unwrap(await commands.fixApply(ids)),
  secretRenew: async (months) => unwrap(await commands.secretRenew(months)),
  secretRetire: async () => unwrap(await commands.secretRetire()),
  changesList: async () => unwrap(await commands.changesList()),
  changeUndo: async (index) => unwrap(await commands.changeUndo(index)),
  registrationSignInStart: async (r) => unwrap(await commands.registrationSignInStart(r)),
  registrationCreate: async (r) => unwrap(await commands.registrationCreate(r)),
  webinarsList: async (from, to, hosts, teamsOnly) => unwrap(await commands.webinarsList(from, to, hosts, teamsOnly)),
  webinarsArchived: async (from, to, hosts) => unwrap(await commands.webinarsArchived(from, to, hosts)),
  webinarValidate: async (w) => unwrap(await commands.webinarValidate(w)),
  webinarCreate: async (w) => unwrap(await commands.webinarCreate(w)),
  webinarUpdate: async (e) => unwrap(await commands.webinarUpdate(e)),
  webinarCancel: async (host, id, message) => {
    unwrap(await commands.webinarCancel(host, id, message));
  },
  webinarDetails: async (host, id) => unwrap(await commands.webinarDetails(host, id)),
  webinarJoin: async (url) => {
    unwrap(await commands.webinarJoin(url));
  },
  attendanceGet: async (w, t) => unwrap(await commands.attendanceGet(w, t)),
  attendanceArchived: async (w, t) => unwrap(await commands.attendanceArchived(w, t)),
  attendanceImport: async (host, zone) => unwrap(await commands.attendanceImport(host, zone)),
  attendanceImportAgain: async (index, host, zone, order) => unwrap(await commands.attendanceImportAgain(index, host, zone, order)),
  filesDropWait: async (seen) => unwrap(await commands.filesDropWait(seen)),
  attendanceImportDropped: async (drop, host, zone) => unwrap(await commands.attendanceImportDropped(drop, host, zone)),
  attendanceExport: async (id, session, format, level, options, name) => unwrap(await commands.attendanceExport(id, session, format, level, options, name)),
  attendanceExportRange: async (from, to, format, level, options, name) => unwrap(await commands.attendanceExportRange(from, to, format, level, options, name)),
  attendancePictures: async (id) => unwrap(await commands.attendancePictures(id)),
  attendanceOverview: async (query) => unwrap(await commands.attendanceOverview(query)),
  attendanceReport: async (id, scope, zone, name) => unwrap(await commands.attendanceReport(id, scope, zone, name)),
  attendanceReportRange: async (name) => unwrap(await commands.attendanceReportRange(name)),
  ledgerGet: async (w, threshold) => unwrap(await commands.ledgerGet(w, threshold)),
  ledgerExport: async (id, format, zone, name) => unwrap(await commands.ledgerExport(id, format, zone, name)),
  syncHistory: async (limit) => unwrap(await commands.syncHistory(limit)),
  archiveInfo: async () => unwrap(await commands.archiveInfo()),
  archiveUseShared: async (address, password, moveHere) => unwrap(await commands.archiveUseShared(address, password, moveHere)),
  archiveUseFile: async () => unwrap(await commands.archiveUseFile()),
  syncRun: async (id) => unwrap(await commands.syncRun(id)),
  lateCredits: async (from, to, threshold, possibly) => unwrap(await commands.lateCredits(from, to, threshold, possibly)),
  lateLinks: async (from, to) => unwrap(await commands.lateLinks(from, to)),
  lateExport: async (from, to, threshold, possibly, format, zone) =>
    unwrap(await commands.lateExport(from, to, threshold, possibly, format, zone)),
  scheduleGet: async () => unwrap(await commands.scheduleGet()),
  scheduleInstall: async (at) => unwrap(await commands.scheduleInstall(at)),
  scheduleRemove: async () => unwrap(await commands.scheduleRemove()),
  noticesRecent: async () => unwrap(await commands.noticesRecent()),
  eventCreate: async (subject, start, zone, minutes) => unwrap(await commands.eventCreate(subject, start, zone, minutes)),
  eventTransition: async (id, publish) => unwrap(await commands.eventTransition(id, publish)),
  rosterMatch: async (id, session, choose) => unwrap(await commands.rosterMatch(id, session, choose)),
  rosterRemember: async (key, email) => {
    unwrap(await commands.rosterRemember(key, email));
  },
  syncStart: async (from, to) => unwrap(await commands.syncStart(from, to)),
  syncStatus: async () => unwrap(await commands.syncStatus()),
  syncCancel: async () => {
    unwrap(await commands.syncCancel());
  },
  preferencesGet: async () => unwrap(await commands.preferencesGet()),
  preferencesSet: async (p) => unwrap(await commands.preferencesSet(p)),
};

let current: Backend = tauriBackend;

export function backend(): Backend {
  return current;
}

/** For tests: replace the backend. */
export function setBackend(b: Backend): void {
  current = b;
}
