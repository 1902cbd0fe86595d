/**
 * The setup the parking tests share: a session in its own directory asks to write hello.txt and waits for
 * approval, then its agent is stopped (SIGTERM, which must exit 0) and the room parks the run. What each
 * test then decides, and how, is its own.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Tower, waitForStatus } from "./harness";

type Approvals = Awaited<ReturnType<Tower["client"]["listApprovals"]>>["approvals"];
type SessionId = Awaited<ReturnType<Tower["client"]["createSession"]>>["id"];

export async function parkedByStoppedAgent(t: Tower, dir: string): Promise<{ cwd: string; sessionId: SessionId; approvals: Approvals }> {
  const cwd = join(t.workDir, dir);
  await mkdir(cwd, { recursive: true });
  const s = await t.client.createSession({ prompt: "write hello.txt", cwd });
  await waitForStatus(t, s.id, "waiting_for_approval");
  const agent = t.agent!;
  const exited = new Promise<number | null>((resolve) => agent.once("exit", (code) => resolve(code)));
  agent.kill("SIGTERM");
  const code = await exited;
  if (code !== 0) throw new Error(`the stopped agent exited with ${code}, not 0:\n${t.logs()}`);
  await waitForStatus(t, s.id, "parked");
  return { cwd, sessionId: s.id, approvals: (await t.client.listApprovals({ session: s.id })).approvals };
}
