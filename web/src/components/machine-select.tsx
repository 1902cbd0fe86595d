/** A machine picker for filters: every enrolled machine of the workspace, plus "any". */
import type { AgentPresence } from "../../../worker/protocol/frames";

export function MachineSelect({
  agents,
  value,
  onChange,
  anyLabel,
}: {
  agents: readonly AgentPresence[];
  value: string;
  onChange(id: string): void;
  anyLabel: string;
}) {
  return (
    <label>
      <span className="sr-only">Machine</span>
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{anyLabel}</option>
        {agents.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
          </option>
        ))}
      </select>
    </label>
  );
}
