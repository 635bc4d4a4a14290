import type { IncomingMessage, ServerResponse } from "node:http";

export function withRealPeer(
  handle: (request: IncomingMessage, response: ServerResponse) => unknown,
  trustProxy: boolean,
): (request: IncomingMessage, response: ServerResponse) => void;
