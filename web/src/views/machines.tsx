/** Machines: every enrolled agent, whether it is online, and what it is running now (live). */
import { workspace } from "../live/workspace-live";
import { useStore } from "../state/store";
import { age } from "../components/status";

export function MachinesView() {
  const { agents } = useStore(workspace);
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
              <th scope="col" className="num">Running</th>
              <th scope="col" className="wide">Labels</th>
              <th scope="col" className="wide">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr key={a.id} data-agent={a.id}>
                <td>
                  {a.name}
                  {a.hostname ? <div className="muted">{a.hostname}</div> : null}
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
                <td className="wide">{a.lastSeenAt ? `${age(a.lastSeenAt)} ago` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
