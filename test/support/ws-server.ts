import { once } from "node:events";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

/** The upgrade request of a connection, as a scripted server sees it. */
export interface UpgradeRequest {
  readonly socket: { pause(): void };
  readonly url?: string;
  readonly headers: Record<string, string | undefined>;
}

const servers: WebSocketServer[] = [];

/**
 * A scripted app-server on 127.0.0.1: `onConnection` plays it; resolves with its ws:// URL.
 * `autoPong: false` makes it leave pings unanswered. {@link closeScriptedServers} ends it.
 */
export async function scriptedServer(
  onConnection: (socket: WebSocket, request: UpgradeRequest) => void,
  options: { autoPong?: boolean; perMessageDeflate?: boolean } = {},
): Promise<string> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, ...options });
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
