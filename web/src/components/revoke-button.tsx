/**
 * The one button that ends what a settings row holds (a token, a device key, a membership, an invitation):
 * it asks first when the loss cannot be undone, runs the action through `attempt` (a toast either way) and
 * then reloads the list, so every such row revokes alike.
 */
import { attempt } from "../live/toasts";

export function RevokeButton({
  label = "Revoke",
  ask,
  done,
  action,
  then,
}: {
  label?: string;
  /** The question asked before acting (none: act at once). */
  ask?: string;
  /** The toast once it is done. */
  done: string;
  action: () => Promise<unknown>;
  then: () => unknown;
}) {
  return (
    <button type="button" className="danger" onClick={() => (ask === undefined || confirm(ask)) && void attempt(done, action, then)}>
      {label}
    </button>
  );
}
