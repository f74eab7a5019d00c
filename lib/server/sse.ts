// Server-sent events on a hijacked reply: one `data:` line per JSON chunk, `data: [DONE]` last.
// Writes wait for the socket to drain, so a slow reader holds back its own stream (the model's
// pending tokens stay bounded by max_tokens) rather than growing a buffer here.
import type { ServerResponse } from 'node:http';

export class SseWriter {
  constructor(
    private readonly res: ServerResponse,
    private readonly stallMs: number,
  ) {}

  open(headers: Record<string, string> = {}): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    this.res.flushHeaders();
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Resolves false when the client is gone (or stalled past stallMs, which then drops it). */
  async send(data: unknown): Promise<boolean> {
    return this.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }

  async done(): Promise<void> {
    if (await this.write('data: [DONE]\n\n')) this.res.end();
  }

  private async write(text: string): Promise<boolean> {
    if (this.closed) return false;
    if (this.res.write(text)) return true;
    return new Promise<boolean>((resolve) => {
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.res.off('drain', onDrain);
        this.res.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => finish(true);
      const onClose = () => finish(false);
      const timer = setTimeout(() => {
        this.res.destroy();
        finish(false);
      }, this.stallMs);
      this.res.on('drain', onDrain);
      this.res.on('close', onClose);
    });
  }
}
