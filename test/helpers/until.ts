/**
 * Polls `probe` every 100 ms until it answers something other than undefined, and returns that; fails
 * naming `what` after `timeoutMs`. For waiting on state another process changes (a worker, a job),
 * never for asserting how long it took.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
