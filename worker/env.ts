/** The Hono environment every router shares: bindings, and what middleware puts on the context. */
import type { Db } from "./db/client";
import type { Action, Actor } from "./domain/policy";
import type { SearchDeps } from "./search/engine";

export interface Deps {
  db: Db;
  /** The search implementations (local or Cloudflare), built on first use. */
  search: () => SearchDeps;
}

export type AppEnv = {
  Bindings: Env;
  /** `credential`: how `auth` was established (a bearer token, or the browser's session cookie). */
  Variables: { requestId: string; auth: Actor; action: Action; deps: Deps; credential: "bearer" | "cookie"; auditTouched?: Set<string> };
};
