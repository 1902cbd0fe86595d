/**
 * A D1 binding that counts what a request asks of D1: round trips (each `first/all/raw/run`, and each
 * `batch` as one) and statements. Locally every D1 round trip is a call into the D1 Durable Object and
 * its transaction, so their number is a request's fixed cost; tests hold routes to a constant count.
 */
import { env } from "cloudflare:workers";

export interface D1Count {
  roundTrips: number;
  statements: number;
}

export function countingD1(d1: D1Database = env.DB): { db: D1Database; count: D1Count } {
  const count: D1Count = { roundTrips: 0, statements: 0 };
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const w = new Proxy(stmt, {
      get(target, key) {
        if (key === "bind") return (...args: unknown[]) => wrap(target.bind(...args));
        if (key === "first" || key === "all" || key === "raw" || key === "run") {
          return (...args: unknown[]) => {
            count.roundTrips++;
            count.statements++;
            return (target[key] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    real.set(w, stmt);
    return w;
  };
  const db = new Proxy(d1, {
    get(target, key) {
      if (key === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (key === "batch")
        return (stmts: D1PreparedStatement[]) => {
          count.roundTrips++;
          count.statements += stmts.length;
          return target.batch(stmts.map((s) => real.get(s) ?? s));
        };
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { db, count };
}
