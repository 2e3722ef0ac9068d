/**
 * Host ports held for published container ports. Traffic to them never reaches these sockets
 * (nftables DNATs it first); holding them makes the port busy for everyone else, as Docker's
 * proxy does: another process, or another container, asking for it gets EADDRINUSE. The
 * sockets are handed to the container's monitor, which keeps them while the container runs.
 */
import dgram from 'node:dgram';
import net from 'node:net';

export interface HeldPort {
  /** The port bound (the one the kernel chose, for 0). */
  port: number;
  /** The socket's file descriptor, to pass to the monitor. */
  fd: number;
  /** Close this process's copy. */
  release(): Promise<void>;
}

const fdOf = (handle: unknown) => (handle as { _handle: { fd: number } })._handle.fd;

/** Bind (TCP: and listen on) `host:port`; rejects with EADDRINUSE when it is taken. */
export async function holdPort(host: string, port: number, protocol: string): Promise<HeldPort> {
  if (protocol === 'udp') {
    const s = dgram.createSocket('udp4');
    return new Promise((resolve, reject) => {
      s.once('error', (e) => {
        s.close();
        reject(e);
      });
      s.bind({ port, address: host, exclusive: true }, () =>
        resolve({
          port: s.address().port,
          fd: fdOf(s),
          release: () => new Promise<void>((r) => s.close(() => r())),
        }),
      );
    });
  }
  const server = net.createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        fd: fdOf(server),
        release: () => new Promise<void>((r) => server.close(() => r())),
      }),
    );
  });
}
