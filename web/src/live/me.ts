/**
 * Who is signed in, in which workspace, with which role: the screens use it to offer only what the
 * server would allow (the server still decides; this only avoids offering buttons that would fail).
 */
import type { Me } from "../../../worker/protocol/members";
import { createStore } from "../state/store";

export const me = createStore<Me | null>(null);

const RANK = { viewer: 0, member: 1, admin: 2, owner: 3 } as const;

export function atLeast(m: Me | null, role: keyof typeof RANK): boolean {
  return !!m?.role && RANK[m.role] >= RANK[role];
}
