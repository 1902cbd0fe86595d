/**
 * Who opened a socket, as the Worker's upgrade route hands it to a Durable Object (one header the
 * route sets after authenticating; the client's own x-tower-* headers are stripped). The room and the
 * hub keep it per connection and apply the visibility rule to it on every frame, not once at connect.
 */
import { z } from "zod";

export const SocketActor = z.object({
  workspaceId: z.string(),
  kind: z.enum(["user", "agent"]),
  userId: z.string().nullable(),
  agentId: z.string().nullable(),
  role: z.enum(["owner", "admin", "member", "viewer"]).nullable(),
  scopes: z.array(z.string()).max(20).readonly(),
  subject: z.string().max(300),
  tokenId: z.string(),
  expiresAt: z.number().nullable(),
});
export type SocketActor = z.infer<typeof SocketActor>;

/** The header value (URI-encoded JSON: header values must be Latin-1, names need not be). */
export const encodeSocketActor = (a: SocketActor): string => encodeURIComponent(JSON.stringify(SocketActor.parse(a)));

export function decodeSocketActor(raw: string | null): SocketActor | null {
  if (!raw) return null;
  try {
    const r = SocketActor.safeParse(JSON.parse(decodeURIComponent(raw)));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
