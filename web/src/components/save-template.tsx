/**
 * "Save as template…" on a session: the app's own dialog (not window.prompt), with the name checked
 * as you type against the same schema the server applies, and the server's refusal shown in place.
 */
import { useState } from "react";
import { useLocation } from "wouter";
import { TemplateName } from "../../../worker/protocol/templates";
import { api } from "../live/api";
import { toast } from "../live/toasts";
import { Dialog } from "./overlays";

export function SaveTemplateDialog({ sessionId, onClose }: { sessionId: string; onClose(): void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<string | null>(null);
  const [, navigate] = useLocation();
  const checked = TemplateName.safeParse(name.trim());
  const problem = name.trim() && !checked.success ? (checked.error.issues[0]?.message ?? "not a valid name") : null;

  const save = async () => {
    if (!checked.success) return;
    setBusy(true);
    try {
      const t = await api.saveSessionAsTemplate({ sessionId, name: checked.data, description: description.trim() });
      toast(`Saved as template ${t.name}`);
      onClose();
      navigate(`/templates/${encodeURIComponent(t.name)}`);
    } catch (e) {
      setRefused((e as Error).message);
      setBusy(false);
    }
  };
  return (
    <Dialog label="Save as template" onClose={onClose}>
      <form onSubmit={(e) => (e.preventDefault(), void save())}>
        <h2>Save as template</h2>
        <label>
          Template name
          <input
            autoFocus
            value={name}
            onChange={(e) => (setName(e.target.value), setRefused(null))}
            spellCheck={false}
            autoCapitalize="off"
            placeholder="fix-flaky-test"
            aria-invalid={!!problem}
            aria-describedby="template-name-help"
          />
        </label>
        <p id="template-name-help" className={problem ? "err" : "muted"}>
          {problem ? `Not a valid name: ${problem}.` : "Lower-case letters, digits, dot, dash or underscore."}
        </p>
        <label>
          Description (optional)
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        {refused ? (
          <p role="alert" className="err">
            {refused}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" className="primary" disabled={!checked.success || busy}>
            Save
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
