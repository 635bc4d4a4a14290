import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, it } from "vitest";

import { withRealPeer } from "@/lib/real-peer.mjs";

let server: Server | undefined;

afterEach(async () => {
  await new Promise((done) => server?.close(done));
  server = undefined;
});

/** Serves the header as the next hop (Next, then the backend) would get it, over a real socket. */
async function forwardedFor(trustProxy: boolean, sent: string | undefined): Promise<string> {
  server = createServer(
    withRealPeer((request, response) => response.end(String(request.headers["x-forwarded-for"])), trustProxy),
  );
  await new Promise<void>((ready) => server!.listen(0, "127.0.0.1", ready));
  const { port } = server.address() as AddressInfo;
  return new Promise((answer, fail) => {
    const outgoing = httpRequest({ host: "127.0.0.1", port, headers: sent ? { "x-forwarded-for": sent } : {} }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => answer(body));
    });
    outgoing.on("error", fail);
    outgoing.end();
  });
}

describe("the web client's server tells the backend who the browser is", () => {
  it("replaces an address the browser wrote itself with the peer's", async () => {
    expect(await forwardedFor(false, "203.0.113.9")).toBe("127.0.0.1");
    expect(await forwardedFor(false, "203.0.113.9, 198.51.100.1")).toBe("127.0.0.1");
  });

  it("gives a browser that sent none the peer's address, not a shared empty one", async () => {
    expect(await forwardedFor(false, undefined)).toBe("127.0.0.1");
  });

  it("keeps the header of a trusted proxy in front (TRUST_PROXY=1)", async () => {
    expect(await forwardedFor(true, "203.0.113.9")).toBe("203.0.113.9");
  });
});
