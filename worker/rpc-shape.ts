/**
 * The source of worker/rpc-types.gen.d.ts: the typed client of the route table (`hc<AppType>`), whose
 * type tsc writes out in full (`npm run rpc:types`) so worker/client.ts, the CLI and the web app get
 * every route's path, input and output without compiling the Worker. Never imported at run time.
 */
import { hc } from "hono/client";
import type { AppType } from "./app";
import type { rpcShape as Generated } from "./rpc-types.gen";

export const rpcShape = hc<AppType>("");

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** IMPORTANT: the generated file must match the route table; if tsc fails here, run `npm run rpc:types`. */
export type RpcTypesAreCurrent = Same<typeof rpcShape, typeof Generated> extends true ? true : never;
export const rpcTypesAreCurrent: RpcTypesAreCurrent = true;
