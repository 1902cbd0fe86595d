import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTower, waitUntil, type Tower } from "./harness";

let t: Tower;
beforeAll(async () => {
  t = await startTower();
});
afterAll(async () => {
  await t?.close();
});

/** Runs a CLI command that prints a sign-in code, approves the code as the admin, and awaits the command. */
async function signInWith(args: string[], env: Record<string, string>) {
  let code = "";
  const running = t.cli(args, { token: null, env, onStdout: (chunk) => (code ||= chunk.match(/\b[A-Z]{4}-[A-Z]{4}\b/)?.[0] ?? "") });
  await waitUntil(
    () => code !== "",
    30_000,
    () => "no code was printed",
  );
  const approved = await t.cli(["device", "approve", code]);
  expect(approved.code).toBe(0);
  return running;
}

describe("happy", () => {
  it("tower login: approve the code from another terminal and the new token is saved and works", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tower-login-"));
    const config = join(dir, "config.json");
    const login = await signInWith(["login"], { TOWER_CONFIG: config });
    expect(login.code).toBe(0);
    const saved = JSON.parse(readFileSync(config, "utf8")) as { url: string; token: string };
    expect(saved.url).toBe(t.url);
    const ls = await t.cli(["ls", "--json"], { token: null, env: { TOWER_CONFIG: config } });
    expect(ls.code).toBe(0);
  });

  it("tower agent --enroll: the machine is enrolled when a member approves, and comes online", async () => {
    const state = await mkdtemp(join(tmpdir(), "tower-enroll-"));
    const stop = new AbortController();
    let code = "";
    const agent = t.cli(["agent", "--enroll", "--name", "enrolled-box", "--state-dir", state], {
      token: null,
      signal: stop.signal,
      onStdout: (chunk) => (code ||= chunk.match(/\b[A-Z]{4}-[A-Z]{4}\b/)?.[0] ?? ""),
    });
    await waitUntil(
      () => code !== "",
      30_000,
      () => "no code was printed",
    );
    expect((await t.cli(["device", "approve", code])).code).toBe(0);
    await waitUntil(
      async () => (await t.client.listAgents()).agents.some((a) => a.name === "enrolled-box" && a.online),
      30_000,
      () => "machine never came online",
    );
    const saved = JSON.parse(readFileSync(join(state, "agent.json"), "utf8")) as { token: string; name: string };
    expect(saved.name).toBe("enrolled-box");
    stop.abort();
    expect((await agent).code).toBe(0);
  });

  it("tower invite and tower join: a new teammate is set up with one command", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tower-join-"));
    const config = join(dir, "config.json");
    const invite = await t.cli(["invite", "--role", "viewer", "--json"]);
    expect(invite.code).toBe(0);
    const { url } = JSON.parse(invite.stdout) as { url: string };
    const join_ = await t.cli(["join", url, "--name", "Vera", "--email", "vera@example.com"], { token: null, env: { TOWER_CONFIG: config } });
    expect(join_.code).toBe(0);
    const launched = await t.cli(["launch", "just say hi", "--cwd", t.workDir], { token: null, env: { TOWER_CONFIG: config } });
    expect(launched.code).toBe(3); // a viewer may not launch
  });
});
