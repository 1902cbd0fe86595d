import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_URL, resolveConfig, type ConfigSources } from "../../agent/cli/config";
import { CliError, exitCodeFor } from "../../agent/cli/output";

/** A fresh home directory, optionally with ~/.config/tower/config.json holding `file`. */
function home(file?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "tower-cli-"));
  if (file !== undefined) {
    mkdirSync(join(dir, ".config", "tower"), { recursive: true });
    writeFileSync(join(dir, ".config", "tower", "config.json"), typeof file === "string" ? file : JSON.stringify(file));
  }
  return dir;
}

function failure(src: ConfigSources): CliError {
  try {
    resolveConfig(src);
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
  throw new Error("resolveConfig did not fail");
}

const FILE = { url: "https://file.example", token: "file-token" };

describe("happy", () => {
  it.each([
    {
      name: "flags beat env and file",
      flags: { server: "https://flag.example", token: "flag-token" },
      env: { TOWER_URL: "https://env.example", TOWER_TOKEN: "env-token" },
      file: FILE,
      url: "https://flag.example",
      token: "flag-token",
    },
    {
      name: "env beats the file",
      flags: {},
      env: { TOWER_URL: "https://env.example", TOWER_TOKEN: "env-token" },
      file: FILE,
      url: "https://env.example",
      token: "env-token",
    },
    {
      name: "the file fills what flags and env leave open",
      flags: { token: "flag-token" },
      env: {},
      file: FILE,
      url: "https://file.example",
      token: "flag-token",
    },
    {
      name: "each value is resolved on its own",
      flags: { server: "https://flag.example" },
      env: { TOWER_TOKEN: "env-token" },
      file: FILE,
      url: "https://flag.example",
      token: "env-token",
    },
    { name: "the URL defaults to the local server", flags: {}, env: { TOWER_TOKEN: "env-token" }, file: undefined, url: DEFAULT_URL, token: "env-token" },
    {
      name: "an empty variable counts as unset",
      flags: {},
      env: { TOWER_URL: "", TOWER_TOKEN: "" },
      file: FILE,
      url: "https://file.example",
      token: "file-token",
    },
    {
      name: "a trailing slash is dropped",
      flags: { server: "http://127.0.0.1:9000/", token: "t" },
      env: {},
      file: undefined,
      url: "http://127.0.0.1:9000",
      token: "t",
    },
  ])("$name", ({ flags, env, file, url, token }) => {
    expect(resolveConfig({ flags, env, homeDir: home(file) })).toEqual({ url, token });
  });

  it("reads the file TOWER_CONFIG names instead of the one in the home directory", () => {
    const dir = home({ url: "https://home.example", token: "home-token" });
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ url: "https://other.example", token: "other-token" }));
    expect(resolveConfig({ flags: {}, env: { TOWER_CONFIG: other }, homeDir: dir })).toEqual({ url: "https://other.example", token: "other-token" });
  });

  it("ignores unknown keys in the config file", () => {
    expect(resolveConfig({ flags: {}, env: {}, homeDir: home({ ...FILE, agentName: "laptop" }) }).token).toBe("file-token");
  });

  it("does not read the file when flags and env give everything", () => {
    expect(resolveConfig({ flags: { server: "https://a.example" }, env: { TOWER_TOKEN: "t" }, homeDir: home("{ not json") })).toEqual({
      url: "https://a.example",
      token: "t",
    });
  });
});

describe("errors", () => {
  it("says how to get a token when there is none, and exits 3", () => {
    const dir = home();
    const e = failure({ flags: {}, env: {}, homeDir: dir });
    expect(e.message).toBe("no Tower token");
    expect(e.fix).toContain("npm start");
    expect(e.fix).toContain("--token");
    expect(e.fix).toContain("TOWER_TOKEN");
    expect(e.fix).toContain(join(dir, ".config", "tower", "config.json"));
    expect(exitCodeFor(e.kind)).toBe(3);
  });

  it("notices a config file without a token", () => {
    expect(failure({ flags: {}, env: {}, homeDir: home({ url: "https://x.example" }) }).details.join(" ")).toContain("has no token");
  });

  it.each([
    { name: "not JSON", file: "{ url: ", problem: "not JSON" },
    { name: "a URL that is not http", file: { url: "ftp://x", token: "t" }, problem: "url" },
    { name: "an empty token", file: { url: "https://x.example", token: " " }, problem: "token" },
    { name: "a token that is not a string", file: { token: 42 }, problem: "token" },
  ])("names the file and the problem when it holds $name", ({ file, problem }) => {
    const dir = home(file);
    const e = failure({ flags: {}, env: {}, homeDir: dir });
    expect(e.message).toContain(join(dir, ".config", "tower", "config.json"));
    expect(e.message).toContain("malformed");
    expect(e.details.join(" ")).toContain(problem);
    expect(exitCodeFor(e.kind)).toBe(2);
  });

  it("names TOWER_URL when it is not a URL", () => {
    const e = failure({ flags: {}, env: { TOWER_URL: "localhost:8787", TOWER_TOKEN: "t" }, homeDir: home() });
    expect(e.message).toContain("TOWER_URL");
    expect(e.fix).toContain("TOWER_URL");
  });
});
