/** Short messages at the edge of the screen (errors, confirmations); announced to screen readers. */
import { createStore } from "../state/store";

export interface Toast {
  id: number;
  text: string;
  tone: "info" | "error";
}

export const toasts = createStore<readonly Toast[]>([]);
let next = 1;

export function toast(text: string, tone: Toast["tone"] = "info"): void {
  const id = next++;
  toasts.set((t) => [...t.slice(-3), { id, text, tone }]);
  setTimeout(() => toasts.set((t) => t.filter((x) => x.id !== id)), tone === "error" ? 8000 : 4000);
}

/** Runs an action the user asked for: says it worked (then refreshes), or says why it did not. */
export async function attempt(done: string, action: () => Promise<unknown>, then?: () => unknown): Promise<boolean> {
  try {
    await action();
    toast(done);
    await then?.();
    return true;
  } catch (e) {
    toast((e as Error).message, "error");
    return false;
  }
}
