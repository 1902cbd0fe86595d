/**
 * Keeps the tab's title and favicon saying how many approvals wait (state/attention.ts decides
 * what they say). Follows the workspace store, and re-checks each minute so an approval that expired
 * without a frame (the hub was away) stops counting.
 */
import { faviconHref, tabTitle, waitingCount } from "../state/attention";
import { workspace } from "./workspace-live";

const BASE_TITLE = "Tower";

/** Starts following; returns the stop function (which puts the plain title and icon back). */
export function startAttentionBadge(): () => void {
  let last = -1;
  const apply = () => {
    const count = waitingCount(workspace.get().approvals.values(), Date.now());
    if (count === last) return;
    last = count;
    document.title = tabTitle(BASE_TITLE, count);
    for (const link of document.querySelectorAll<HTMLLinkElement>('link[rel="icon"]')) link.href = faviconHref(count);
  };
  apply();
  const unsubscribe = workspace.subscribe(apply);
  const timer = setInterval(apply, 60_000);
  return () => {
    unsubscribe();
    clearInterval(timer);
    last = -1;
    document.title = BASE_TITLE;
    for (const link of document.querySelectorAll<HTMLLinkElement>('link[rel="icon"]')) link.href = faviconHref(0);
  };
}
