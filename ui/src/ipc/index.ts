// The one facade the UI talks to. Pages never import `bindings.ts` directly, so tests can swap the
// backend (see `setBackend`) and the generated file stays an implementation detail.
import { type AppStatus, type CoreError, commands, type TenantSummary } from "./bindings";

export type { AppStatus, CoreError, ErrorCode, HostSummary, TenantSummary, WebinarBrief } from "./bindings";

export interface Backend {
  appStatus(): Promise<AppStatus>;
  tenantSummary(): Promise<TenantSummary>;
}

/** An IPC failure with the closed error code set; the UI branches on `code`, never on text. */
export class IpcError extends Error {
  constructor(public readonly detail: CoreError) {
    super(detail.message);
  }
}

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: CoreError };

function unwrap<T>(r: Result<T>): T {
  if (r.status === "ok") return r.data;
  throw new IpcError(r.error);
}

export const tauriBackend: Backend = {
  appStatus: async () => unwrap(await commands.appStatus()),
  tenantSummary: async () => unwrap(await commands.tenantSummary()),
};

let current: Backend = tauriBackend;

export function backend(): Backend {
  return current;
}

/** For tests: replace the backend. */
export function setBackend(b: Backend): void {
  current = b;
}
