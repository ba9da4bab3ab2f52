import * as net from 'node:net';

/**
 * Remembers which test file opened each outgoing socket, with the stack that opened it, so the
 * global teardown can name any socket a suite left open (a kafkajs client not disconnected, a
 * pool not ended) instead of jest waiting on it for ever. Runs in every integration and e2e file.
 */
export const SOCKET_ORIGIN = Symbol.for('tessera.test.socketOrigin');

type Patched = typeof net.Socket.prototype & { [SOCKET_ORIGIN]?: string };
const socketPrototype = net.Socket.prototype as Patched & { __tesseraPatched?: boolean };

if (!socketPrototype.__tesseraPatched) {
  socketPrototype.__tesseraPatched = true;
  const connect = socketPrototype.connect as (...args: unknown[]) => net.Socket;
  socketPrototype.connect = function (this: Patched, ...args: unknown[]) {
    const stack = (new Error().stack ?? '').split('\n').slice(2, 14).join('\n');
    this[SOCKET_ORIGIN] = `${expect.getState().testPath ?? 'outside a test'} › ${expect.getState().currentTestName ?? 'a hook'}\n${stack}`;
    return connect.apply(this, args);
  } as typeof socketPrototype.connect;
}
