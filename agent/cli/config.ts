/**
 * Everything the `tower` CLI reads from outside itself: the process surroundings (CliContext), the
 * server URL and token (flag, then env, then config file, then default), and flag values. Each input
 * is parsed with zod here, so a bad value fails with its flag, variable or file named, not later as a
 * confusing server error. Commands get a ready client from `clientFor`.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { z } from "zod";
import { createApiClient, type ApiClient } from "../../worker/client";
import { ApprovalId, SessionId } from "../../worker/protocol/ids";
import type { CliContext, Env } from "./context";
import { CliError } from "./output";

export { processContext, type CliContext, type Env } from "./context";

export const DEFAULT_URL = "http://127.0.0.1:8787";

const HttpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });
const Token = z.string().trim().min(1, "must not be empty");

/** The config file `npm start` writes. Unknown keys are allowed, so newer files still load. */
export const ConfigFile = z.object({ url: HttpUrl.optional(), token: Token.optional() });
export type ConfigFile = z.infer<typeof ConfigFile>;

export interface ConfigSources {
  flags: { server?: string; token?: string };
  env: Env;
  homeDir: string;
}

export interface TowerConfig {
  url: string;
  token: string;
}

export function configPath(env: Env, homeDir: string): string {
  return env.TOWER_CONFIG || join(homeDir, ".config", "tower", "config.json");
}

const firstIssue = (e: z.ZodError) => {
  const i = e.issues[0];
  return i ? `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}` : "invalid";
};

/** Reads the config file; null when it does not exist. */
export function readConfigFile(path: string): ConfigFile | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError("USAGE", `cannot read the config file ${path}`, "check its permissions, or set TOWER_CONFIG to another file", [(e as Error).message]);
  }
  const bad = (detail: string) =>
    new CliError("USAGE", `the config file ${path} is malformed`, `fix or delete it (npm start writes a fresh one), or set TOWER_CONFIG to another file`, [
      detail,
    ]);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON: ${(e as Error).message}`);
  }
  const parsed = ConfigFile.safeParse(json);
  if (!parsed.success) throw bad(firstIssue(parsed.error));
  return parsed.data;
}

/**
 * `--server`/`--token` as given: commander takes them raw (their options are declared before any
 * command module, and so zod, loads), and they are validated here, where the config is resolved.
 */
function fromFlag(flag: string, raw: string | undefined, schema: z.ZodType<string>): string | undefined {
  if (raw === undefined) return undefined;
  const r = schema.safeParse(raw);
  if (!r.success) throw new CliError("USAGE", `${flag} ${firstIssue(r.error)} (it is "${raw}")`, `fix ${flag}`);
  return r.data;
}

function fromEnv(env: Env, name: string, schema: z.ZodType<string>): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  const r = schema.safeParse(raw);
  if (!r.success) throw new CliError("USAGE", `${name} ${firstIssue(r.error)} (it is "${raw}")`, `fix or unset ${name}`);
  return r.data;
}

/**
 * Resolves the server URL and token. Each is taken from the first source that has it:
 * `--server`/`--token`, then TOWER_URL/TOWER_TOKEN, then the config file; the URL defaults to
 * DEFAULT_URL. The file is read only when a flag or variable leaves something open.
 */
export function resolveConfig(src: ConfigSources): TowerConfig {
  const url = fromFlag("--server", src.flags.server, HttpUrl) ?? fromEnv(src.env, "TOWER_URL", HttpUrl);
  const token = fromFlag("--token", src.flags.token, Token) ?? fromEnv(src.env, "TOWER_TOKEN", Token);
  const path = configPath(src.env, src.homeDir);
  const file = url !== undefined && token !== undefined ? null : readConfigFile(path);
  const finalToken = token ?? file?.token;
  if (!finalToken) {
    throw new CliError(
      "UNAUTHORIZED",
      "no Tower token",
      `run \`npm start\` in the Tower checkout: it prints the admin token and writes ${path}; or pass --token <token>, or set TOWER_TOKEN`,
      [`looked at --token, TOWER_TOKEN and ${path}${file ? " (it has no token)" : " (not found)"}`],
    );
  }
  return { url: (url ?? file?.url ?? DEFAULT_URL).replace(/\/+$/, ""), token: finalToken };
}

/** The server URL alone, for commands that sign in and so have no token yet. */
export function serverFor(ctx: CliContext, cmd: Command): string {
  const flags = cmd.optsWithGlobals<{ server?: string }>();
  const url =
    fromFlag("--server", flags.server, HttpUrl) ??
    fromEnv(ctx.env, "TOWER_URL", HttpUrl) ??
    readConfigFile(configPath(ctx.env, ctx.homeDir))?.url ??
    DEFAULT_URL;
  return url.replace(/\/+$/, "");
}

/** Saves the server and token for later commands (readable by this user only). */
export function saveConfig(ctx: CliContext, config: TowerConfig): string {
  const path = configPath(ctx.env, ctx.homeDir);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** The API client for this command, from the global `--server`/`--token` and the surroundings. */
export function clientFor(ctx: CliContext, cmd: Command): ApiClient {
  type ServerFlags = { server?: string; token?: string };
  // Accepted before and after the command name; the one after it (the command's own) wins.
  const own = cmd.opts<ServerFlags>();
  const global = cmd.optsWithGlobals<ServerFlags>();
  const flags = { server: own.server ?? global.server, token: own.token ?? global.token };
  const config = resolveConfig({ flags, env: ctx.env, homeDir: ctx.homeDir });
  return createApiClient({ baseUrl: config.url, token: config.token, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
}

/** A commander argument parser that validates with zod; commander names the flag in the error. */
export function flagParser<T>(schema: z.ZodType<T, string>): (value: string) => T {
  return (value) => {
    const r = schema.safeParse(value);
    if (!r.success) throw new InvalidArgumentError(firstIssue(r.error));
    return r.data;
  };
}

export const textFlag = flagParser(z.string().trim().min(1, "must not be empty"));

/**
 * A whole number within bounds, e.g. `--max-turns 5`. Its schema is built when the flag is given: a
 * command is built at every start (`tower ls` builds its `--limit`), and a zod schema costs to build.
 */
export function countFlag(min: number, max: number): (value: string) => number {
  let parse: ((value: string) => number) | undefined;
  return (value) => {
    parse ??= flagParser(
      z
        .string()
        .regex(/^\d+$/, "must be a whole number")
        .transform(Number)
        .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`)),
    );
    return parse(value);
  };
}

/** A comma-separated list: `--allowed-tools Read,Grep`. */
export const listFlag = flagParser(
  z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string()).min(1, "give at least one name, comma-separated")),
);

/** A directory, made absolute against `cwd`; repeatable flags collect into a list. */
export function dirFlag(cwd: string): (value: string) => string {
  return (value) => {
    if (!value.trim()) throw new InvalidArgumentError("must not be empty");
    return isAbsolute(value) ? value : resolve(cwd, value);
  };
}

export function repeatable<T>(parse: (value: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}

export const sessionIdArg = flagParser(SessionId);
export const approvalIdArg = flagParser(ApprovalId);

/** A usage error from a request body that failed its protocol schema, each issue named by its flag. */
export function invalidFlags(error: z.ZodError, flagOf: Record<string, string>, help: string): CliError {
  const details = error.issues.map((i) => {
    const key = String(i.path[0] ?? "");
    return `${flagOf[key] ?? key}: ${i.message}`;
  });
  return new CliError("USAGE", `invalid ${details.map((d) => d.split(":")[0]).join(", ")}`, `correct it; \`${help}\` describes each flag`, details);
}
