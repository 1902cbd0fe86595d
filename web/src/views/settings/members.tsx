/**
 * Members and roles, and invitations by link. Owners and admins change roles, remove members and
 * invite; everyone else sees who is in the workspace. An invitation's link is shown once.
 */
import { useCallback, useEffect, useState } from "react";
import type { Invitation } from "../../../../worker/protocol/enrollment";
import type { Member, WorkspaceRole } from "../../../../worker/protocol/members";
import { age } from "../../components/status";
import { api } from "../../live/api";
import { atLeast, me as meStore } from "../../live/me";
import { attempt, toast } from "../../live/toasts";
import { useStore } from "../../state/store";
import { RevokeButton } from "../../components/revoke-button";

const ROLES: WorkspaceRole[] = ["owner", "admin", "member", "viewer"];

export function MembersView() {
  const me = useStore(meStore);
  const admin = atLeast(me, "admin");
  const [members, setMembers] = useState<Member[] | null>(null);
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [inviteRole, setInviteRole] = useState<Exclude<WorkspaceRole, "owner">>("member");
  const [inviteEmail, setInviteEmail] = useState("");

  const load = useCallback(async () => {
    try {
      setMembers((await api.listMembers()).members);
      if (admin) setInvitations((await api.listInvitations()).invitations);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [admin]);
  useEffect(() => void load(), [load]);

  const act = (what: string, f: () => Promise<unknown>) => attempt(what, f, load);

  return (
    <section className="view" aria-labelledby="members-h">
      <h1 id="members-h">Members</h1>
      {error ? (
        <p role="alert" className="err">
          {error}
        </p>
      ) : null}
      {members === null ? (
        <p className="empty" aria-busy="true">
          Loading members…
        </p>
      ) : (
        <table aria-label="Members">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="wide">
                Email
              </th>
              <th scope="col">Role</th>
              {admin ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.userId} data-member={m.userId}>
                <td>
                  {m.name}
                  {m.userId === me?.user?.id ? <span className="muted"> (you)</span> : null}
                </td>
                <td className="wide">{m.email ?? "—"}</td>
                <td>
                  {admin ? (
                    <select
                      aria-label={`Role of ${m.name}`}
                      value={m.role}
                      onChange={(e) => void act(`${m.name} is now ${e.target.value}`, () => api.setMemberRole(m.userId, e.target.value as WorkspaceRole))}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                {admin ? (
                  <td>
                    {m.userId !== me?.user?.id ? (
                      <RevokeButton
                        label="Remove"
                        ask={`Remove ${m.name} from the workspace? Their tokens here stop working.`}
                        done={`Removed ${m.name}`}
                        action={() => api.removeMember(m.userId)}
                        then={load}
                      />
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {admin ? (
        <>
          <h2>Invite</h2>
          <form
            className="toolbar"
            onSubmit={(e) => {
              e.preventDefault();
              void (async () => {
                try {
                  const issued = await api.createInvitation({ role: inviteRole, ...(inviteEmail.trim() ? { email: inviteEmail.trim() } : {}) });
                  setLink(issued.url);
                  setInviteEmail("");
                  await load();
                } catch (err) {
                  toast((err as Error).message, "error");
                }
              })();
            }}
          >
            <label>
              <span className="sr-only">Invitee email (optional)</span>
              <input type="email" value={inviteEmail} onChange={(e) => setInviteEmail(e.target.value)} placeholder="email (optional)" />
            </label>
            <label>
              <span className="sr-only">Role for the invitee</span>
              <select value={inviteRole} onChange={(e) => setInviteRole(e.target.value as typeof inviteRole)}>
                <option value="admin">admin</option>
                <option value="member">member</option>
                <option value="viewer">viewer</option>
              </select>
            </label>
            <button type="submit" className="primary">
              Create invitation link
            </button>
          </form>
          {link ? (
            <p role="status" className="issued">
              Send this link (shown only now; it expires in 3 days): <code data-testid="invitation-link">{link}</code>{" "}
              <button type="button" onClick={() => void navigator.clipboard?.writeText(link).then(() => toast("Copied"))}>
                Copy
              </button>
            </p>
          ) : null}
          <h2>Invitations</h2>
          {invitations.length === 0 ? (
            <p className="muted">No invitations.</p>
          ) : (
            <table aria-label="Invitations">
              <tbody>
                {invitations.map((i) => {
                  const state = i.revokedAt ? "revoked" : i.acceptedAt ? "accepted" : i.expiresAt < Date.now() ? "expired" : "open";
                  return (
                    <tr key={i.id}>
                      <td>{i.email ?? "anyone with the link"}</td>
                      <td>{i.role}</td>
                      <td>{state}</td>
                      <td className="wide">{age(i.createdAt)} ago</td>
                      <td>{state === "open" ? <RevokeButton done="Invitation revoked" action={() => api.revokeInvitation(i.id)} then={load} /> : null}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </section>
  );
}
