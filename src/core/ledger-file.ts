// The ledger's file: JSON lines appended in batches, rotated by size. A record only joins a queue in memory (it is
// turned into its JSON line when written), so no completion request ever waits on the disk or the serialiser.
// The queue is written by one asynchronous append per flush (a short timer after the first record, an explicit
// flush, or dispose), and synchronously on process exit, so records made just before an exit are not lost. Size
// checks and rotation happen once per flush, not once per record.

import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync } from "node:fs";
import { appendFile, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";

export const LEDGER_FILE = "ledger.jsonl";

/**
 * How long the first record of a batch waits for company before the batch is written. Each write costs the event loop
 * about 0.3 ms of promise and file-handle work whatever its size, so a burst of completions shares one; readers of
 * this process see unwritten records anyway (lines()), and the exit hook writes what is left.
 */
export const FLUSH_DELAY_MS = 250;

/** Lines kept for a retry while the disk refuses them (a full disk must not grow memory without bound). */
const MAX_QUEUED_LINES = 10_000;

export interface LedgerFileOptions {
  maxBytes: number;
  keep: number;
  /** A batch could not be written (it stays queued and is retried with the next one). Default: a process warning. */
  onError?: (e: unknown) => void;
}

/** One write between rotations: the text to append, how many lines it holds, and whether to rotate first. */
interface Chunk {
  rotateFirst: boolean;
  text: string;
  lines: number;
}

export class LedgerFile {
  private queue: object[] = [];
  /** Lines handed to an asynchronous append that has not finished yet. */
  private writing: object[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> | undefined;
  /** Lines appended since this object was made, and batches whose write began: a reader's consistency checks. */
  private appended = 0;
  private writesBegun = 0;
  /** A write failed, so the file may end in a torn line: the next write starts on a fresh line. */
  private torn = false;

  constructor(
    readonly dir: string,
    private readonly opts: LedgerFileOptions,
  ) {}

  /** The files oldest first: the rotated ones, then the current one. */
  files(): string[] {
    const out: string[] = [];
    for (let i = this.opts.keep; i >= 1; i--) out.push(join(this.dir, `${LEDGER_FILE}.${i}`));
    out.push(join(this.dir, LEDGER_FILE));
    return out;
  }

  /** Queue one record (not to be changed afterwards); its line reaches the disk with the next flush. */
  append(record: object): void {
    this.queue.push(record);
    this.appended++;
    unflushed.add(this);
    registerExitHook();
    // A running flush picks the line up before it finishes; otherwise start the batch's timer.
    if (!this.timer && !this.flushing) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
      // The timer must not keep a CLI alive: the exit hook writes whatever is still queued.
      this.timer.unref();
    }
  }

  /** Write everything appended so far; resolves once it is on disk (or the write failed and was reported). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing ??= this.drain();
    return this.flushing;
  }

  /** Every line, oldest first: those in the files, then those not written yet (so a read never misses a record). */
  lines(): string[] {
    const onDisk = this.diskLines();
    return [...onDisk, ...this.unwritten(onDisk)];
  }

  /** How many lines were appended so far (the sequence number of the latest). */
  get count(): number {
    return this.appended;
  }

  /**
   * lines() without blocking: the files are read while no write of ours runs, then the queue is added, so no line
   * is missed or counted twice. `count` is how many of this object's appends the answer includes.
   */
  async linesAsync(): Promise<{ lines: string[]; count: number }> {
    for (;;) {
      while (this.flushing) await this.flushing;
      const begun = this.writesBegun;
      const texts = await Promise.all(this.files().map((f) => readFile(f, "utf8").catch(() => "")));
      // A batch written meanwhile may be half in what was read: read again (batches are rare next to a read).
      if (this.flushing || begun !== this.writesBegun) continue;
      const onDisk = texts.flatMap((t) =>
        t
          .split("\n")
          .filter(Boolean)
          .map((l) => `${l}\n`),
      );
      return { lines: [...onDisk, ...this.queue.map(toLine)], count: this.appended };
    }
  }

  /**
   * Lines appended but perhaps not in `onDisk` yet: those of a write under way (which may have landed already)
   * and the queued ones.
   */
  private unwritten(onDisk: string[]): string[] {
    if (this.writing.length === 0) return this.queue.map(toLine);
    const seen = new Set(onDisk);
    return [...this.writing.map(toLine).filter((l) => !seen.has(l)), ...this.queue.map(toLine)];
  }

  /** Process exit only: nothing asynchronous runs any more, so write what is left now. */
  flushOnExit(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // A write under way when process.exit() was called may not have happened: write the lines the files lack.
    const lines = this.unwritten(this.writing.length > 0 ? this.diskLines() : []);
    const interrupted = lines.length > this.queue.length;
    this.writing = [];
    this.queue = [];
    unflushed.delete(this);
    if (lines.length === 0) return;
    const path = join(this.dir, LEDGER_FILE);
    const size = existsSync(path) ? statSync(path).size : undefined;
    // An interrupted write may have left part of a line: end it, so it cannot swallow the first line written here.
    const mend = (interrupted || this.torn) && size !== undefined && size > 0 && lastByteSync(path, size) !== NEWLINE;
    for (const [i, c] of chunks(lines, size, this.opts.maxBytes).entries()) {
      if (c.rotateFirst) this.rotateSync();
      appendFileSync(path, i === 0 && mend && !c.rotateFirst ? `\n${c.text}` : c.text);
    }
  }

  private async drain(): Promise<void> {
    try {
      // Yield once first, so `flushing` is set by flush() before the finally below clears it.
      await Promise.resolve();
      while (this.queue.length > 0) {
        this.writing = this.queue;
        this.queue = [];
        this.writesBegun++;
        try {
          await this.write();
        } catch (e) {
          // write() drops each chunk from `writing` once it is on disk, so only what did not land is queued again.
          this.queue = [...this.writing, ...this.queue].slice(-MAX_QUEUED_LINES);
          this.writing = [];
          this.torn = true;
          (this.opts.onError ?? warn)(e);
          return;
        }
      }
      unflushed.delete(this);
    } finally {
      this.flushing = undefined;
    }
  }

  /** Write `writing`, dropping each chunk's lines from it once they are on disk. */
  private async write(): Promise<void> {
    const path = join(this.dir, LEDGER_FILE);
    const size = await stat(path).then(
      (s) => s.size,
      () => undefined,
    );
    // After a failed write the file may end in part of a line; a newline first keeps it from swallowing the next.
    const mend = this.torn && size !== undefined && size > 0 && (await lastByte(path, size)) !== NEWLINE;
    for (const [i, c] of chunks(this.writing.map(toLine), size, this.opts.maxBytes).entries()) {
      if (c.rotateFirst) await this.rotate();
      // One append per chunk: a whole batch of lines in one write, never a line split across two.
      await appendFile(path, i === 0 && mend && !c.rotateFirst ? `\n${c.text}` : c.text);
      this.torn = false;
      this.writing = this.writing.slice(c.lines);
    }
  }

  private async rotate(): Promise<void> {
    const [current, ...older] = this.files().reverse();
    await rm(older[older.length - 1]!, { force: true });
    for (let i = older.length - 2; i >= 0; i--) await rename(older[i]!, older[i + 1]!).catch(ignoreMissing);
    await rename(current!, older[0]!);
  }

  private rotateSync(): void {
    const [current, ...older] = this.files().reverse();
    rmSync(older[older.length - 1]!, { force: true });
    for (let i = older.length - 2; i >= 0; i--) if (existsSync(older[i]!)) renameSync(older[i]!, older[i + 1]!);
    renameSync(current!, older[0]!);
  }

  private diskLines(): string[] {
    const out: string[] = [];
    for (const f of this.files()) if (existsSync(f)) for (const l of readFileSync(f, "utf8").split("\n")) if (l) out.push(`${l}\n`);
    return out;
  }
}

/**
 * Split a batch where the file would be rotated, keeping the rule of a record-at-a-time ledger: before a line is
 * written, a current file that exists and has reached maxBytes is rotated away. `size` is undefined for no file.
 */
function chunks(lines: string[], size: number | undefined, maxBytes: number): Chunk[] {
  const out: Chunk[] = [];
  let current: Chunk | undefined;
  for (const line of lines) {
    if (!current || (size !== undefined && size >= maxBytes)) {
      current = { rotateFirst: size !== undefined && size >= maxBytes, text: "", lines: 0 };
      if (current.rotateFirst) size = undefined;
      out.push(current);
    }
    current.text += line;
    current.lines++;
    size = (size ?? 0) + Buffer.byteLength(line);
  }
  return out;
}

const NEWLINE = 0x0a;

/** A record's line in the file: one JSON object and its newline. */
function toLine(record: object): string {
  return `${JSON.stringify(record)}\n`;
}

async function lastByte(path: string, size: number): Promise<number | undefined> {
  const f = await open(path, "r");
  try {
    const b = Buffer.alloc(1);
    await f.read(b, 0, 1, size - 1);
    return b[0];
  } finally {
    await f.close();
  }
}

function lastByteSync(path: string, size: number): number | undefined {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0];
  } finally {
    closeSync(fd);
  }
}

function warn(e: unknown): void {
  process.emitWarning(`Chorus could not write its ledger (the records stay queued and are retried): ${e instanceof Error ? e.message : String(e)}`);
}

function ignoreMissing(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
}

// Files with queued lines; the one exit hook writes them all (a hook per file would pile up listeners). The one
// deliberate module-level state in src/core: it mirrors `process.on("exit")`, which is itself one per process.
const unflushed = new Set<LedgerFile>();
let hooked = false;

function registerExitHook(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const f of [...unflushed]) {
      try {
        f.flushOnExit();
      } catch {
        /* exiting: nowhere left to report it, and the other ledgers should still be written */
      }
    }
  });
}
