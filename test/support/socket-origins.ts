import * as net from 'node:net';

/**
 * Remembers which test file opened each outgoing socket, with the stack that opened it, so the
 * global teardown can name any socket a suite left open (a kafkajs client not disconnected, a
 * pool not ended) instead of jest waiting on it for ever. Runs in every integration and e2e file.
 */
export const SOCKET_ORIGIN = Symbol.for('tessera.test.socketOrigin');

type Patched = typeof net.Socket.prototype & { [SOCKET_ORIGIN]?: string };
// Node's own modules are shared by every file of a run (one process with --runInBand; each file
// has its own globals, `process` included), so the prototype is patched once, and each file puts
// its own `expect` (whose state names the file and the test) where the patch reads it: a socket
// is named after the file that is running, not the first one that ran.
const socketPrototype = net.Socket.prototype as Patched & { __tesseraPatched?: boolean; __tesseraExpect?: typeof expect };
// (the global teardown imports this file only for SOCKET_ORIGIN, outside any test file)
if (typeof expect !== 'undefined') socketPrototype.__tesseraExpect = expect;

if (!socketPrototype.__tesseraPatched) {
  socketPrototype.__tesseraPatched = true;
  const connect = socketPrototype.connect as (...args: unknown[]) => net.Socket;
  socketPrototype.connect = function (this: Patched, ...args: unknown[]) {
    const stack = (new Error().stack ?? '').split('\n').slice(2, 14).join('\n');
    const state = socketPrototype.__tesseraExpect?.getState();
    this[SOCKET_ORIGIN] = `${state?.testPath ?? 'outside a test'} › ${state?.currentTestName ?? 'a hook'}\n${stack}`;
    return connect.apply(this, args);
  } as typeof socketPrototype.connect;
}
