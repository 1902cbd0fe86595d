/**
 * Sharing a session: with one member or the whole workspace, as collaborator (may approve,
 * interrupt, continue) or viewer (read only); and handing it off to another member, who becomes
 * its owner. Only the owner (or an admin) may change this; the server enforces it.
 */
import { useEffect, useState } from "react";
import type { Member } from "../../../worker/protocol/members";
import type { Share } from "../../../worker/protocol/session";
import { api } from "../live/api";
import { attempt } from "../live/toasts";

export function SharePanel({ sessionId, onClose }: { sessionId: string; onClose(): void }) {
  const [shares, setShares] = useState<Share[] | null>(null);
  const [ownerId, setOwnerId] = useState("");
  const [members, setMembers] = useState<Member[]>([]);
  const [principal, setPrincipal] = useState("workspace");
  const [role, setRole] = useState<Share["role"]>("viewer");
  const [handTo, setHandTo] = useState("");
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    try {
      const r = await api.listShares(sessionId);
      setShares(r.shares);
      setOwnerId(r.ownerId);
      setMembers((await api.listMembers()).members);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), [sessionId]); // eslint-disable-line react-hooks/exhaustive-deps

  const nameOf = (p: string) => (p === "workspace" ? "Everyone in the workspace" : (members.find((m) => `user:${m.userId}` === p)?.name ?? p));
  const run = (what: string, f: () => Promise<unknown>) => attempt(what, f, load);

  return (
    <section className="panel share-panel" aria-label="Sharing and handoff">
      <header className="toolbar">
        <h2>Sharing</h2>
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      {error ? (
        <p role="alert" className="err">
          {error}
        </p>
      ) : null}
      <p className="muted">Owner: {members.find((m) => m.userId === ownerId)?.name ?? (ownerId || "—")}</p>
      {shares?.length ? (
        <ul className="shares" aria-label="Shared with">
          {shares.map((s) => (
            <li key={s.principal}>
              {nameOf(s.principal)} — {s.role}{" "}
              <button type="button" onClick={() => void run("Access removed", () => api.unshare(sessionId, s.principal))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">Not shared with anyone yet.</p>
      )}
      <form
        className="toolbar"
        onSubmit={(e) => (e.preventDefault(), void run("Shared", () => api.share(sessionId, { principal: principal as "workspace", role })))}
      >
        <label>
          <span className="sr-only">Share with</span>
          <select value={principal} onChange={(e) => setPrincipal(e.target.value)}>
            <option value="workspace">Everyone in the workspace</option>
            {members
              .filter((m) => m.userId !== ownerId)
              .map((m) => (
                <option key={m.userId} value={`user:${m.userId}`}>
                  {m.name}
                </option>
              ))}
          </select>
        </label>
        <label>
          <span className="sr-only">Access</span>
          <select value={role} onChange={(e) => setRole(e.target.value as Share["role"])}>
            <option value="viewer">viewer (read only)</option>
            <option value="collaborator">collaborator (approve, interrupt, continue)</option>
          </select>
        </label>
        <button type="submit" className="primary">
          Share
        </button>
      </form>
      <h2>Hand off</h2>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          const to = members.find((m) => m.userId === handTo);
          if (to) void run(`Handed off to ${to.name}`, () => api.handoff(sessionId, to.userId));
        }}
      >
        <label>
          <span className="sr-only">New owner</span>
          <select value={handTo} onChange={(e) => setHandTo(e.target.value)}>
            <option value="">Choose a member…</option>
            {members
              .filter((m) => m.userId !== ownerId)
              .map((m) => (
                <option key={m.userId} value={m.userId}>
                  {m.name} ({m.role})
                </option>
              ))}
          </select>
        </label>
        <button type="submit" disabled={!handTo}>
          Hand off
        </button>
      </form>
    </section>
  );
}
