import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

/** The upgrade request of a connection, as a scripted server sees it. */
export interface UpgradeRequest {
  readonly socket: { pause(): void };
  readonly url?: string;
  readonly headers: Record<string, string | undefined>;
}

const servers: WebSocketServer[] = [];
/** The HTTP servers under those on a unix socket, which their WebSocket server leaves open. */
const httpServers: Array<ReturnType<typeof createServer>> = [];

/**
 * A scripted app-server on 127.0.0.1, or on the unix socket `socketPath`: `onConnection` plays it;
 * resolves with its ws:// (or unix://) URL. `autoPong: false` makes it leave pings unanswered.
 * {@link closeScriptedServers} ends it.
 */
export async function scriptedServer(
  onConnection: (socket: WebSocket, request: UpgradeRequest) => void,
  options: { autoPong?: boolean; perMessageDeflate?: boolean; socketPath?: string } = {},
): Promise<string> {
  const { socketPath, ...rest } = options;
  if (socketPath !== undefined) {
    // A WebSocket server over a unix socket, as `--listen unix://PATH` is.
    const http = createServer();
    const server = new WebSocketServer({ server: http, ...rest });
    servers.push(server);
    httpServers.push(http);
    http.listen(socketPath);
    await once(http, "listening");
    server.on("connection", onConnection);
    return `unix://${socketPath}`;
  }
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, ...rest });
  servers.push(server);
  await once(server, "listening");
  server.on("connection", onConnection);
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** Has {@link closeScriptedServers} end `server` too (one a test made on a server of its own). */
export function closeLater(server: WebSocketServer): void {
  servers.push(server);
}

/** Ends every server {@link scriptedServer} started, and the connections they hold. */
export async function closeScriptedServers(): Promise<void> {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const http of httpServers.splice(0)) {
    http.closeAllConnections();
    // Closed, it removes its socket's file.
    await new Promise((resolve) => http.close(resolve));
  }
}

/** The server's raw socket under a `ws` WebSocket, for bytes `ws` would never write. */
export function rawSocketOf(socket: WebSocket): Socket {
  return (socket as unknown as { _socket: Socket })._socket;
}

/** A text frame's header, announcing `length` bytes, as a server writes it (unmasked). */
export function textFrameHeader(length: number): Buffer {
  const head = Buffer.alloc(10);
  head[0] = 0x81;
  head[1] = 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  return head;
}
