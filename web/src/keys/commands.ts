/**
 * Routes resolved commands to whoever handles them now: the open view registers its handlers
 * (move, open, approve…), the app shell handles the global ones (go to, palette, help). The most
 * recently mounted handler wins, so an overlay can take the keys while it is open.
 */
import { useEffect, useRef } from "react";
import type { Command } from "./keymap";

export type Handlers = Partial<Record<Command, () => void>>;

const stack: { current: Handlers }[] = [];

export function dispatch(command: Command): boolean {
  for (let i = stack.length - 1; i >= 0; i--) {
    const h = stack[i]!.current[command];
    if (h) {
      h();
      return true;
    }
  }
  return false;
}

/** Registers handlers for as long as the component is mounted; always calls the latest closures. */
export function useCommands(handlers: Handlers): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const entry = {
      get current() {
        return ref.current;
      },
    };
    stack.push(entry);
    return () => {
      const i = stack.indexOf(entry);
      if (i >= 0) stack.splice(i, 1);
    };
  }, []);
}
