// Plain JavaScript: server.mjs runs it with node as it is, before any build.

/**
 * The web client's server hands every request to Next through this. Next passes a browser's own
 * X-Forwarded-For through its /api rewrite unchanged, and the backend believes that header from
 * this server, so it is replaced with the address of the peer this server really saw. Behind a
 * proxy that writes the header itself (`trustProxy`, TRUST_PROXY=1), that proxy's header stays.
 *
 * @param {(request: import("node:http").IncomingMessage, response: import("node:http").ServerResponse) => unknown} handle
 * @param {boolean} trustProxy
 */
export function withRealPeer(handle, trustProxy) {
  return (request, response) => {
    if (!trustProxy) {
      request.headers["x-forwarded-for"] = request.socket.remoteAddress ?? "";
    }
    void handle(request, response);
  };
}
