// Server-sent events exactly as OpenAI streams them: `data: <json>\n\n` per chunk and a final `data: [DONE]`.

import type { ServerResponse } from "node:http";

export class SseWriter {
  private started = false;

  constructor(private readonly res: ServerResponse) {}

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    this.res.flushHeaders();
  }

  get isStarted(): boolean {
    return this.started;
  }

  send(data: unknown): void {
    this.start();
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  done(): void {
    this.start();
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end("data: [DONE]\n\n");
  }
}
