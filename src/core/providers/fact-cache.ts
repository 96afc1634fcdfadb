/**
 * One lookup per key, shared by everyone who asks while it runs, kept once it succeeds. A failed lookup answers
 * undefined and is tried again only after `retryMs`, so a server that cannot answer is not asked on every keystroke.
 */
export class FactCache<T> {
  private readonly pending = new Map<string, Promise<T | undefined>>();
  private readonly done = new Map<string, T>();

  constructor(private readonly retryMs: number) {}

  get(key: string, load: () => Promise<T>): Promise<T | undefined> {
    const have = this.done.get(key);
    if (have !== undefined) return Promise.resolve(have);
    let p = this.pending.get(key);
    if (!p) {
      p = load().then(
        (v) => {
          this.done.set(key, v);
          this.pending.delete(key);
          return v;
        },
        () => {
          setTimeout(() => this.pending.delete(key), this.retryMs).unref?.();
          return undefined;
        },
      );
      this.pending.set(key, p);
    }
    return p;
  }

  known(key: string): T | undefined {
    return this.done.get(key);
  }
}
