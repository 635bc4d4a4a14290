// The web client's production server: `next start`, but the address the backend sees for a
// browser is the one this server saw, never one the browser wrote in its own X-Forwarded-For.
//
// Next passes a browser's X-Forwarded-For through its /api rewrite unchanged (it only fills the
// header in when it is absent), and the backend believes the header from 127.0.0.1: any browser
// could then pick the address its rate limits count against. Here the header is replaced by the
// peer's address before Next sees the request. Behind nginx, nginx's own header wins instead
// (TRUST_PROXY=1: the peer is nginx, and nginx wrote the header from the real client).
import { createServer } from "node:http";

import next from "next";

import { withRealPeer } from "./lib/real-peer.mjs";

const port = Number(process.env.PORT || 3000);
const hostname = process.env.HOSTNAME || "127.0.0.1";
const trustProxy = process.env.TRUST_PROXY === "1";

const app = next({ dev: false, hostname, port });
const handle = app.getRequestHandler();

await app.prepare();
createServer(withRealPeer(handle, trustProxy)).listen(port, hostname, () => {
  console.log(`web client on http://${hostname}:${port}`);
});
