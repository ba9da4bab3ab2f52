import { Socket } from 'node:net';
import { SOCKET_ORIGIN } from './socket-origins';

type Teardown = () => Promise<void>;

export default async function globalTeardown(): Promise<void> {
  const teardowns = (globalThis as { __tesseraTeardowns?: Teardown[] }).__tesseraTeardowns ?? [];
  for (const teardown of teardowns.reverse()) {
    await teardown().catch((error: unknown) => process.stderr.write(`[test teardown] ${String(error)}\n`));
  }
  reportLeakedSockets();
}

/**
 * A socket a suite left open would keep jest from exiting (CI would wait out its time limit).
 * Each one is named loudly — which file and test opened it, and from where — and then closed, so
 * the run ends with the report in its output. A leak is a bug to fix, not a pass: see the lines.
 */
function reportLeakedSockets(): void {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const leaked = handles.filter((h): h is Socket & { [SOCKET_ORIGIN]?: string } => h instanceof Socket && !h.destroyed && (h as { [SOCKET_ORIGIN]?: string })[SOCKET_ORIGIN] !== undefined);
  for (const socket of leaked) {
    process.stderr.write(`[test teardown] LEAKED SOCKET to ${socket.remoteAddress}:${socket.remotePort}, opened in ${socket[SOCKET_ORIGIN]}\n`);
    socket.destroy();
  }
  if (leaked.length > 0) process.stderr.write(`[test teardown] ${leaked.length} leaked socket(s) closed; fix the suites named above\n`);
}
