/** Binding the dashboard: the asked port, or any free one when that is busy (another dashboard, another program). */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isLoopbackHost } from "../core/host-guard.js";

export interface Bound {
  /** `http://host:port/`, with a host a browser on this machine can open (a wildcard bind shows loopback). */
  origin: string;
  port: number;
  /** The asked port, when it was busy and another was taken. */
  busyPort?: number;
  /** Bound to an address other machines can reach. */
  exposed: boolean;
}

export async function listen(server: Server, host: string, port: number): Promise<Bound> {
  let busyPort: number | undefined;
  try {
    await listenOnce(server, host, port);
  } catch (error) {
    if (port === 0 || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    busyPort = port;
    await listenOnce(server, host, 0);
  }
  const { address, port: bound } = server.address() as AddressInfo;
  const shown = address === "0.0.0.0" || address === "::" ? "127.0.0.1" : address;
  return {
    origin: `http://${shown.includes(":") ? `[${shown}]` : shown}:${bound}/`,
    port: bound,
    busyPort,
    exposed: !isLoopbackHost(address),
  };
}

function listenOnce(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
