type Teardown = () => Promise<void>;

export default async function globalTeardown(): Promise<void> {
  const teardowns = (globalThis as { __tesseraTeardowns?: Teardown[] }).__tesseraTeardowns ?? [];
  for (const teardown of teardowns.reverse()) {
    await teardown().catch((error: unknown) => process.stderr.write(`[test teardown] ${String(error)}\n`));
  }
}
