/**
 * Keeps the workspace state current: one HTTP load, then the hub socket's frames. After a
 * reconnect the list is loaded once more (the hub resends approvals and machines in its hello but
 * not the session deltas missed while away), so nothing is polled and nothing is missed.
 */
import { connectWorkspace, type Live } from "../../../worker/client";
import { applyHubFrame, emptyWorkspace, loadSessions, upsertRuns, type WorkspaceState } from "../state/workspace";
import { createStore } from "../state/store";
import { api, baseUrl } from "./api";
import { noticeNewApproval } from "./push";

export type LinkStatus = "live" | "reconnecting" | "offline";

export const workspace = createStore<WorkspaceState>(emptyWorkspace);
export const hubStatus = createStore<LinkStatus>("reconnecting");
export const nextCursor = createStore<string | null>(null);
/** Why the session list could not be loaded (shown instead of an endless "Loading…"). */
export const listError = createStore<string | null>(null);

let live: Live | null = null;

export async function loadFirstPage(): Promise<void> {
  try {
    const [page, runs] = await Promise.all([api.listSessions({ archived: "all", limit: 200 }), api.listPipelineRuns({ limit: 100 })]);
    workspace.set((s) => upsertRuns(loadSessions(s, page.sessions), runs.runs));
    nextCursor.set(page.nextCursor);
    listError.set(null);
  } catch (e) {
    listError.set((e as Error).message);
  }
}

export async function loadMore(): Promise<void> {
  const cursor = nextCursor.get();
  if (!cursor) return;
  const page = await api.listSessions({ archived: "all", limit: 200, cursor });
  workspace.set((s) => loadSessions(s, page.sessions));
  nextCursor.set(page.nextCursor);
}

export function startWorkspaceLive(): void {
  if (live) return;
  let everLive = false;
  live = connectWorkspace({
    baseUrl,
    onFrame: (f) => {
      noticeNewApproval(f, workspace.get().approvals);
      workspace.set((s) => applyHubFrame(s, f));
    },
    onStatus: (status) => {
      // The socket is the truth: navigator.onLine is false on any machine without a default route
      // (a laptop offline using a local Tower) while the socket to Tower is open and working.
      hubStatus.set(status);
      if (status === "live") {
        if (everLive || listError.get()) void loadFirstPage();
        everLive = true;
      }
    },
  });
  void loadFirstPage();
  // A network that comes back is a hint to retry now rather than at the next backoff step; losing
  // one says nothing about Tower (it may be on this machine): the socket reports its own loss.
  addEventListener("online", () => live?.reconnect());
}

export function stopWorkspaceLive(): void {
  live?.close();
  live = null;
  workspace.set(emptyWorkspace);
}

/** The open session's own socket, if any: the indicator shows the worse of the two links. */
export const sessionLink = createStore<LinkStatus | null>(null);
