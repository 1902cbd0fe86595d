/** The Hono environment every router shares: bindings, and what middleware puts on the context. */
import type { Db } from "./db/client";
import type { TokenIdentity } from "./db/tokens";

export interface Deps {
  db: Db;
}

export type AppEnv = {
  Bindings: Env;
  Variables: { requestId: string; auth: TokenIdentity; deps: Deps };
};
