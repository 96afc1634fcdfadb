// The one message protocol between Chorus processes (extension host ⇄ review webview, extension host ⇄ sidecar
// control channel). Message types are declared once, here.
//
// Envelope:   request  {type, id, data}
//             stream   {id, chunk}            (zero or more)
//             end      {id, done: true, result} | {id, done: true, error}
//             cancel   {type: "cancel", id}
// Events (no reply expected) use the request envelope with an id of "".

export interface Envelope<T extends string = string, D = unknown> {
  type: T;
  id: string;
  data: D;
}

export interface StreamChunk<C = unknown> {
  id: string;
  chunk: C;
}

export interface StreamEnd<R = unknown> {
  id: string;
  done: true;
  result?: R;
  error?: { message: string; kind?: string };
}

export interface CancelMessage {
  type: "cancel";
  id: string;
}

export type WireMessage = Envelope | StreamChunk | StreamEnd | CancelMessage;

export function isEnvelope(m: unknown): m is Envelope {
  return typeof m === "object" && m !== null && typeof (m as Envelope).type === "string" && typeof (m as Envelope).id === "string";
}

export function isStreamEnd(m: unknown): m is StreamEnd {
  return typeof m === "object" && m !== null && (m as StreamEnd).done === true && typeof (m as StreamEnd).id === "string";
}

export function isStreamChunk(m: unknown): m is StreamChunk {
  return typeof m === "object" && m !== null && "chunk" in m && typeof (m as StreamChunk).id === "string";
}

/** A request/response map: for each message type, `[RequestData, ResponseResult, ChunkType]`. */
export type ProtocolMap = Record<string, [unknown, unknown, unknown?]>;

export type Transport = {
  send(message: WireMessage): void;
  onMessage(listener: (message: unknown) => void): { dispose(): void };
  onClose(listener: () => void): { dispose(): void };
};

/**
 * The requesting side of the protocol: sends a request, streams chunks to `onChunk`, resolves with the result.
 * Every pending request has a timeout and is rejected when the transport closes or the signal aborts
 * (which also sends `cancel{id}` to the other side).
 */
export class ProtocolClient<M extends ProtocolMap> {
  private nextId = 1;
  private readonly pending = new Map<string, { resolve: (r: unknown) => void; reject: (e: Error) => void; onChunk?: (c: unknown) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly subscriptions: { dispose(): void }[];

  constructor(private readonly transport: Transport, private readonly defaultTimeoutMs = 120_000) {
    this.subscriptions = [
      transport.onMessage((m) => this.receive(m)),
      transport.onClose(() => this.failAll(new Error("The connection closed before a reply arrived."))),
    ];
  }

  request<K extends keyof M & string>(
    type: K,
    data: M[K][0],
    opts: { signal?: AbortSignal; timeoutMs?: number; onChunk?: (chunk: M[K][2]) => void } = {},
  ): Promise<M[K][1]> {
    const id = String(this.nextId++);
    return new Promise<M[K][1]>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(abortError());
      const timer = setTimeout(() => {
        this.settle(id);
        this.transport.send({ type: "cancel", id });
        reject(new Error(`No reply to "${type}" within ${opts.timeoutMs ?? this.defaultTimeoutMs} ms.`));
      }, opts.timeoutMs ?? this.defaultTimeoutMs);
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        this.settle(id);
        this.transport.send({ type: "cancel", id });
        reject(abortError());
      };
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        resolve: (r) => {
          opts.signal?.removeEventListener("abort", onAbort);
          resolve(r as M[K][1]);
        },
        reject: (e) => {
          opts.signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
        onChunk: opts.onChunk as ((c: unknown) => void) | undefined,
        timer,
      });
      this.transport.send({ type, id, data });
    });
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.failAll(new Error("The client was disposed."));
  }

  private receive(m: unknown): void {
    if (isStreamEnd(m)) {
      const p = this.settle(m.id);
      if (!p) return;
      if (m.error) p.reject(Object.assign(new Error(m.error.message), { kind: m.error.kind }));
      else p.resolve(m.result);
    } else if (isStreamChunk(m)) {
      this.pending.get(m.id)?.onChunk?.(m.chunk);
    }
  }

  private settle(id: string) {
    const p = this.pending.get(id);
    if (p) {
      clearTimeout(p.timer);
      this.pending.delete(id);
    }
    return p;
  }

  private failAll(e: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(e);
  }
}

function abortError(): Error {
  const e = new Error("The request was cancelled.");
  e.name = "AbortError";
  return e;
}
