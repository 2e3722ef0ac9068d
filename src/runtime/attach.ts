/**
 * Attaching to a container through its monitor's socket: output arrives raw (TTY) or in
 * Docker's multiplexed framing (a 1-byte stream id, 3 zero bytes, a 4-byte big-endian length);
 * what we send goes to the container's stdin.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { unavailable } from '../core/errors.js';

export interface AttachStreams {
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  tty: boolean;
  /** Ctrl-P Ctrl-Q by default: the bytes that detach instead of going to the container. */
  detachKeys?: Buffer;
}

/** Split a multiplexed stream into stdout and stderr. */
export function demultiplexer(stdout: Writable, stderr: Writable): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const payload = pending.subarray(8, 8 + size);
      (pending[0] === 2 ? stderr : stdout).write(payload);
      pending = pending.subarray(8 + size);
    }
  };
}

/**
 * Connect and pump until the container's output ends (it exited) or the user detached.
 * Resolves with `detached` true in the second case.
 */
export async function attach(stateDir: string, s: AttachStreams): Promise<{ detached: boolean }> {
  return pump(await connectAttach(path.join(stateDir, 'attach.sock')), s);
}

/** Connect to an attach socket; output is held in the socket until `pump` reads it. */
export async function connectAttach(socketPath: string): Promise<net.Socket> {
  // the socket file appears at bind(), a moment before listen(): refused until then
  for (let attempt = 0; ; attempt++) {
    const socket = net.createConnection(socketPath);
    socket.pause();
    const error = await new Promise<Error | undefined>((resolve) => {
      socket.once('connect', () => resolve(undefined));
      socket.once('error', resolve);
    });
    if (!error) return socket;
    socket.destroy();
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ECONNREFUSED' || attempt >= 200) {
      throw unavailable(`cannot attach: ${error.message}`, error);
    }
    await sleep(10);
  }
}

/** Pump a connected attach socket until the container's output ends or the user detaches. */
export async function pump(socket: net.Socket, s: AttachStreams): Promise<{ detached: boolean }> {
  const write = s.tty ? (c: Buffer) => s.stdout.write(c) : demultiplexer(s.stdout, s.stderr);
  socket.on('data', write);
  socket.resume();
  let detached = false;
  const keys = s.detachKeys ?? Buffer.from([0x10, 0x11]);
  let matched = 0;
  const onInput = (chunk: Buffer) => {
    if (s.tty) {
      for (const byte of chunk) {
        matched = byte === keys[matched] ? matched + 1 : byte === keys[0] ? 1 : 0;
        if (matched === keys.length) {
          detached = true;
          socket.destroy();
          return;
        }
      }
    }
    socket.write(chunk);
  };
  if (s.stdin) {
    s.stdin.on('data', onInput);
    s.stdin.once('end', () => socket.end());
  }
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
  });
  if (s.stdin) {
    s.stdin.off('data', onInput);
    s.stdin.pause();
  }
  return { detached };
}
