/**
 * The scope of a search request: always the caller's own workspace, and for anyone but an admin
 * only the sessions they may see (the same rule as GET /api/sessions).
 */
import type { Context } from "hono";
import type { Scope } from "../db/search";
import { listViewerOf } from "../domain/visibility";
import type { AppEnv } from "../env";
import type { SearchFilters } from "../protocol/search";

export function scopeOf(c: Context<AppEnv>, filters: SearchFilters): Scope {
  const actor = c.var.auth;
  return { workspaceId: actor.workspaceId, viewer: listViewerOf(actor), filters };
}
