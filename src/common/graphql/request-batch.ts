/** Pending keys of one batch, and who waits for each. */
interface Batch<V> {
  keys: Map<string, Array<{ resolve(value: V): void; reject(error: unknown): void }>>;
}

const batches = new WeakMap<object, Map<string, Batch<unknown>>>();

/**
 * One query for a field asked of every item of a list (User.lockedUntil on
 * a page of fifty users), not one per item: the keys asked for in the same
 * tick of one request (`owner`, the request object) are loaded together by
 * `load`, which answers a value per key (absent: `fallback`).
 */
export function loadInBatch<V>(owner: object, name: string, key: string, fallback: V, load: (keys: string[]) => Promise<Map<string, V>>): Promise<V> {
  let byName = batches.get(owner);
  if (!byName) batches.set(owner, (byName = new Map()));
  let batch = byName.get(name) as Batch<V> | undefined;
  if (!batch) {
    const created: Batch<V> = { keys: new Map() };
    batch = created;
    byName.set(name, created as Batch<unknown>);
    // Resolvers of one list run in the same tick: load once they all asked.
    setImmediate(() => {
      byName!.delete(name);
      const keys = [...created.keys.keys()];
      load(keys).then(
        (values) => created.keys.forEach((waiters, k) => waiters.forEach((w) => w.resolve(values.has(k) ? values.get(k)! : fallback))),
        (error: unknown) => created.keys.forEach((waiters) => waiters.forEach((w) => w.reject(error))),
      );
    });
  }
  return new Promise<V>((resolve, reject) => {
    const waiters = batch!.keys.get(key) ?? [];
    waiters.push({ resolve, reject });
    batch!.keys.set(key, waiters);
  });
}
