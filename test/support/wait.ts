/** Generous: only a guard against a hang, never a measure of how fast the app is. */
export const HANG_GUARD_MS = 20_000;

/**
 * Waits until `condition` holds (a row changed state, a message arrived),
 * checking again every few milliseconds; fails after `timeoutMs` with `what`.
 */
export async function waitUntil(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = HANG_GUARD_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
