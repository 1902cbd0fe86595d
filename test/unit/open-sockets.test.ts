import { describe, expect, it } from "vitest";
import { OpenSockets } from "../../party/open-sockets";

const sock = (id: string, tag: string) => ({ id, readyState: 1, tags: [id, tag] });
type Sock = ReturnType<typeof sock>;
const ids = (it: Iterable<Sock>) => [...it].map((s) => s.id);

describe("OpenSockets", () => {
  it("reads partyserver's sockets once per wake, then keeps them by the room's connects and closes", () => {
    const known = [sock("v1", "viewer"), sock("a1", "agent")];
    let reads = 0;
    const open = new OpenSockets<Sock>(["viewer", "agent"], () => {
      reads++;
      return known;
    });
    open.opened(sock("before-first-read", "viewer")); // partyserver lists it on the first read, so nothing to keep yet
    expect(ids(open.tagged("viewer"))).toEqual(["v1"]);
    expect(ids(open.tagged("agent"))).toEqual(["a1"]);
    const v2 = sock("v2", "viewer");
    open.opened(v2);
    open.opened(v2);
    expect(ids(open.tagged("viewer"))).toEqual(["v1", "v2"]);
    open.closed(known[0]!);
    expect(ids(open.tagged("viewer"))).toEqual(["v2"]);
    expect(reads).toBe(1);
  });

  it("skips and forgets a socket that is no longer open (an error with no close)", () => {
    const v1 = sock("v1", "viewer");
    const v2 = sock("v2", "viewer");
    const open = new OpenSockets<Sock>(["viewer"], () => [v1, v2]);
    expect(ids(open.tagged("viewer"))).toEqual(["v1", "v2"]);
    v1.readyState = 3;
    expect(ids(open.tagged("viewer"))).toEqual(["v2"]);
    v1.readyState = 1; // never back: a closed socket does not reopen, and it is gone from the set
    expect(ids(open.tagged("viewer"))).toEqual(["v2"]);
  });

  it("skips a socket still connecting without forgetting it: it is sent to once open", () => {
    const v1 = { ...sock("v1", "viewer"), readyState: 0 };
    const open = new OpenSockets<Sock>(["viewer"], () => []);
    expect(ids(open.tagged("viewer"))).toEqual([]);
    open.opened(v1);
    expect(ids(open.tagged("viewer"))).toEqual([]);
    v1.readyState = 1;
    expect(ids(open.tagged("viewer"))).toEqual(["v1"]);
  });

  it("refuses a tag it does not keep rather than answering with no sockets", () => {
    const open = new OpenSockets<Sock>(["viewer"], () => []);
    expect(() => [...open.tagged("agent")]).toThrow(/not kept/);
  });
});
