/**
 * Approving a device sign-in: `tower login` or `tower agent --enroll` shows a code and this page's
 * address; a signed-in member checks the code matches and approves (or denies) it here.
 */
import { useState } from "react";
import { api } from "../live/api";

export function DeviceView() {
  const [code, setCode] = useState(() => new URLSearchParams(location.search).get("code") ?? "");
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const decide = async (decision: "approve" | "deny") => {
    setError(null);
    try {
      const r = await api.decideDeviceSignIn(code.trim(), decision);
      setResult(
        r.status === "approved"
          ? r.kind === "agent"
            ? `Machine ${r.machineName ?? ""} enrolled. It will connect in a moment.`
            : "Signed in. You can go back to your terminal."
          : "Denied. The device will not get a token.",
      );
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section className="view narrow" aria-labelledby="device-h">
      <h1 id="device-h">Approve a device</h1>
      {result ? (
        <p role="status">{result}</p>
      ) : (
        <form onSubmit={(e) => (e.preventDefault(), void decide("approve"))}>
          <label>
            The code your terminal shows
            <input value={code} onChange={(e) => setCode(e.target.value)} required autoComplete="one-time-code" spellCheck={false} placeholder="ABCD-EFGH" />
          </label>
          {error ? (
            <p role="alert" className="err">
              {error}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="primary" disabled={!code.trim()}>
              Approve
            </button>
            <button type="button" onClick={() => void decide("deny")} disabled={!code.trim()}>
              Deny
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
