/**
 * The workspace as the web app knows it: sessions, pending approvals and machines, loaded once
 * over HTTP and then kept current by the workspace hub's frames. Pure (state in, state out), so
 * the rules — newest wins, deltas before the first load are kept, filters — are tested in Node.
 */
import type { Approval } from "../../../worker/protocol/approval";
import type { AgentPresence, HubFrame } from "../../../worker/protocol/frames";
import type { RunView } from "../../../worker/protocol/pipelines";
import { isEnded, type SessionSummary } from "../../../worker/protocol/session";

export interface WorkspaceState {
  sessions: ReadonlyMap<string, SessionSummary>;
  approvals: ReadonlyMap<string, Approval>;
  agents: ReadonlyMap<string, AgentPresence>;
  /** Pipeline runs: loaded once, then every `pipeline-upsert` carries a run's whole graph. */
  runs: ReadonlyMap<string, RunView>;
  /** True once the first page of sessions has arrived (before that, show a loading state). */
  loaded: boolean;
}

export const emptyWorkspace: WorkspaceState = { sessions: new Map(), approvals: new Map(), agents: new Map(), runs: new Map(), loaded: false };

/** Keeps the newer copy of a run (a late HTTP answer never rolls back a live frame). */
export function upsertRuns(state: WorkspaceState, list: readonly RunView[]): WorkspaceState {
  const runs = new Map(state.runs);
  for (const r of list) {
    const old = runs.get(r.id);
    if (!old || r.updatedAt >= old.updatedAt) runs.set(r.id, r);
  }
  return { ...state, runs };
}

/** Runs for the list: newest first. */
export function visibleRuns(state: WorkspaceState): RunView[] {
  return [...state.runs.values()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
}

/** Keeps whichever copy of a session is newer, so a late HTTP page never rolls back a live delta. */
function upsertSession(map: Map<string, SessionSummary>, s: SessionSummary): void {
  const old = map.get(s.id);
  if (!old || s.updatedAt > old.updatedAt || (s.updatedAt === old.updatedAt && s.lastSeq >= old.lastSeq)) map.set(s.id, s);
}

export function loadSessions(state: WorkspaceState, page: readonly SessionSummary[]): WorkspaceState {
  const sessions = new Map(state.sessions);
  for (const s of page) upsertSession(sessions, s);
  return { ...state, sessions, loaded: true };
}

export function loadApprovals(state: WorkspaceState, list: readonly Approval[]): WorkspaceState {
  const approvals = new Map(state.approvals);
  for (const a of list) if (a.status === "pending") approvals.set(a.id, a);
  return { ...state, approvals };
}

export function loadAgents(state: WorkspaceState, list: readonly AgentPresence[]): WorkspaceState {
  return { ...state, agents: new Map(list.map((a) => [a.id, a])) };
}

/** Applies one approval's latest state: pending ones are in the inbox, decided ones leave it. */
export function upsertApproval(state: WorkspaceState, a: Approval): WorkspaceState {
  const approvals = new Map(state.approvals);
  if (a.status === "pending") approvals.set(a.id, a);
  else approvals.delete(a.id);
  return { ...state, approvals };
}

export function applyHubFrame(state: WorkspaceState, f: HubFrame): WorkspaceState {
  switch (f.type) {
    case "hello": {
      // The hub's hello is the truth about what is pending and who is online right now.
      const next = loadAgents(state, f.agents);
      return { ...next, approvals: new Map(f.approvals.filter((a) => a.status === "pending").map((a) => [a.id, a])) };
    }
    case "session-upsert": {
      const sessions = new Map(state.sessions);
      upsertSession(sessions, f.session);
      return { ...state, sessions };
    }
    case "session-removed": {
      // Gone from this viewer's sight (deleted, or no longer shared with them): its approvals go too.
      const sessions = new Map(state.sessions);
      sessions.delete(f.sessionId);
      const approvals = new Map([...state.approvals].filter(([, a]) => a.sessionId !== f.sessionId));
      return { ...state, sessions, approvals };
    }
    case "approval-upsert":
      return upsertApproval(state, f.approval);
    case "agent-presence":
      return { ...state, agents: new Map(state.agents).set(f.agent.id, f.agent) };
    case "pipeline-upsert":
      return upsertRuns(state, [f.run]);
  }
}

export interface SessionFilter {
  status: "all" | "active" | "needs_approval" | "ended";
  agent: string | null;
  archived: boolean;
}

export const defaultFilter: SessionFilter = { status: "all", agent: null, archived: false };

export function matchesFilter(s: SessionSummary, f: SessionFilter): boolean {
  if (s.archived !== f.archived) return false;
  if (f.agent && s.agentId !== f.agent) return false;
  switch (f.status) {
    case "all":
      return true;
    case "needs_approval":
      return s.status === "waiting_for_approval" || s.status === "parked";
    case "ended":
      return isEnded(s.status);
    case "active":
      return !isEnded(s.status);
  }
}

/** Sessions for the table: filtered, newest first (a session that needs a human floats up). */
export function visibleSessions(state: WorkspaceState, f: SessionFilter): SessionSummary[] {
  return [...state.sessions.values()].filter((s) => matchesFilter(s, f)).sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
}

/** The inbox: every pending approval, newest first. */
export function pendingApprovals(state: WorkspaceState): Approval[] {
  return [...state.approvals.values()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
}
