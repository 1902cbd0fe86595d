/**
 * The device sign-in loop shared by `tower login` and `tower agent --enroll`: start a flow, show
 * the code and where to approve it, then poll at the server's pace until it is approved, denied or
 * expired (a bounded wait; Ctrl-C stops it).
 */
import type { ApiClient } from "../../worker/client";
import type { DeviceTokenResult } from "../../worker/protocol/enrollment";
import { CliError } from "./output";

type Approved = Extract<DeviceTokenResult, { status: "approved" }>;

export async function deviceSignIn(
  client: ApiClient,
  request: { kind: "cli" | "agent"; machineName?: string },
  show: (lines: string[]) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<Approved> {
  const flow = await client.startDeviceSignIn(request);
  show([
    `To sign ${request.kind === "agent" ? `in the machine "${request.machineName}"` : "in"}, approve the code ${flow.userCode}`,
    `  in the browser: ${flow.verificationUri}`,
    `  or from a signed-in terminal: tower device approve ${flow.userCode}`,
    `Waiting (the code works for ${Math.round(flow.expiresIn / 60)} minutes)…`,
  ]);
  const deadline = Date.now() + flow.expiresIn * 1000;
  while (Date.now() < deadline) {
    await sleep(flow.interval * 1000);
    const r = await client.pollDeviceSignIn(flow.deviceCode);
    if (r.status === "approved") return r;
  }
  throw new CliError("NOT_FOUND", "the sign-in code expired before anyone approved it", "run the command again and approve the new code within 10 minutes");
}
