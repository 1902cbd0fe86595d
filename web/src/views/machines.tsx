/**
 * Machines: every enrolled agent, whether it is online and what it is running now (live), and who
 * may launch on it and which stdio MCP commands may run there: its owner (or an admin) decides both.
 */
import { useEffect, useState } from "react";
import type { AgentPresence } from "../../../worker/protocol/frames";
import type { Member } from "../../../worker/protocol/members";
import { api } from "../live/api";
import { atLeast, me as meStore } from "../live/me";
import { toast } from "../live/toasts";
import { workspace } from "../live/workspace-live";
import { useStore } from "../state/store";
import { loadAgents } from "../state/workspace";
import { lastSeenText } from "../state/rows";

function LaunchPolicy({ agent, members, onDone }: { agent: AgentPresence; members: Member[]; onDone(): void }) {
  const [everyone, setEveryone] = useState(agent.allowedUsers === null);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set(agent.allowedUsers ?? []));
  const [mcp, setMcp] = useState((agent.allowedMcpCommands ?? []).join("\n"));
  const save = async () => {
    try {
      const allowedMcpCommands = mcp
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      const updated = await api.setMachinePolicy(agent.id, { allowedUsers: everyone ? null : ([...chosen] as never[]), allowedMcpCommands });
      workspace.set((w) => loadAgents(w, [...[...w.agents.values()].filter((a) => a.id !== updated.id), updated]));
      toast(`Launch policy of ${agent.name} saved`);
      onDone();
    } catch (e) {
      toast((e as Error).message, "error");
    }
  };
  return (
    <form className="policy" aria-label={`Who may launch on ${agent.name}`} onSubmit={(e) => (e.preventDefault(), void save())}>
      <label className="check">
        <input type="checkbox" checked={everyone} onChange={(e) => setEveryone(e.target.checked)} /> Every member who may launch
      </label>
      {!everyone
        ? members.map((m) => (
            <label key={m.userId} className="check">
              <input
                type="checkbox"
                checked={chosen.has(m.userId)}
                onChange={() =>
                  setChosen((c) => {
                    const n = new Set(c);
                    if (n.has(m.userId)) n.delete(m.userId);
                    else n.add(m.userId);
                    return n;
                  })
                }
              />{" "}
              {m.name}
            </label>
          ))
        : null}
      <label>
        stdio MCP commands sessions may start here (one per line, exactly as a template names them; none by default)
        <textarea rows={3} value={mcp} onChange={(e) => setMcp(e.target.value)} spellCheck={false} placeholder="npx" />
      </label>
      <div className="actions">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The owner's toggle: the machine's sessions then refuse an approve that is not signed with an enrolled key. */
async function requireSigned(agent: AgentPresence, on: boolean): Promise<void> {
  try {
    const updated = await api.setMachinePolicy(agent.id, { requireSignedDecisions: on });
    workspace.set((w) => loadAgents(w, [...[...w.agents.values()].filter((a) => a.id !== updated.id), updated]));
    toast(`${agent.name} ${on ? "requires" : "no longer requires"} signed decisions`);
  } catch (e) {
    toast((e as Error).message, "error");
  }
}

export function MachinesView() {
  const { agents } = useStore(workspace);
  const me = useStore(meStore);
  const [editing, setEditing] = useState<string | null>(null);
  const [members, setMembers] = useState<Member[]>([]);
  useEffect(() => {
    if (editing && members.length === 0)
      api.listMembers().then(
        (r) => setMembers(r.members),
        (e: Error) => toast(e.message, "error"),
      );
  }, [editing, members.length]);
  const mayManage = (a: AgentPresence) => atLeast(me, "admin") || (!!me?.user && a.ownerId === me.user.id);
  const policyText = (a: AgentPresence) => (a.allowedUsers === null ? "every member" : `${a.allowedUsers.length} chosen`);
  const list = [...agents.values()].sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
  return (
    <section className="view" aria-labelledby="machines-h">
      <h1 id="machines-h">Machines</h1>
      {list.length === 0 ? (
        <p className="empty">
          No machines yet. On a machine, run <code>tower agent --enroll</code> and approve its code here.
        </p>
      ) : (
        <table className="machines" aria-label="Machines">
          <thead>
            <tr>
              <th scope="col">Machine</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Running
              </th>
              <th scope="col" className="wide">
                Labels
              </th>
              <th scope="col" className="wide">
                Last seen
              </th>
              <th scope="col">May launch</th>
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr key={a.id} data-agent={a.id}>
                <td>
                  {a.name}
                  {a.hostname ? <div className="muted">{a.hostname}</div> : null}
                  {a.denyRulesUnreadable ? (
                    <div className="err" role="alert">
                      {a.denyRulesUnreadable}
                    </div>
                  ) : null}
                </td>
                <td>
                  <span className={`link link-${a.online ? "live" : "offline"}`}>
                    <span className="dot" aria-hidden="true" />
                    {a.online ? "online" : "offline"}
                  </span>
                </td>
                <td className="num">
                  {a.runningSessions}/{a.capacity}
                </td>
                <td className="wide">{a.labels.join(", ") || "—"}</td>
                <td className="wide">{lastSeenText(a)}</td>
                <td>
                  {editing === a.id ? (
                    <LaunchPolicy agent={a} members={members} onDone={() => setEditing(null)} />
                  ) : (
                    <>
                      {policyText(a)}{" "}
                      {mayManage(a) ? (
                        <button type="button" className="link-button" onClick={() => setEditing(a.id)} aria-label={`Change who may launch on ${a.name}`}>
                          change
                        </button>
                      ) : null}
                    </>
                  )}
                  <div>
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={a.requireSignedDecisions === true}
                        disabled={!mayManage(a)}
                        onChange={(e) => void requireSigned(a, e.target.checked)}
                      />
                      Require signed decisions
                    </label>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
