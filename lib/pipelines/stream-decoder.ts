// Incremental detokenisation for streaming: each new token yields the text it completes. The text
// is cut from decoding a short window of trailing ids (TGI's prefix/read offsets), so the work per
// token is constant and decoders that need context (Metaspace's leading space, WordPiece's ##)
// stay right; a window ending in U+FFFD is a character still missing bytes and waits for more.
import type { TextTokenizer } from '../io/tokenizer.js';

export class StreamDecoder {
  private readonly ids: number[];
  private prefixOffset: number;
  private readOffset: number;

  /** context: ids already shown (the prompt), decoded only for spacing. */
  constructor(
    private readonly tok: TextTokenizer,
    context: number[] = [],
  ) {
    this.ids = [...context];
    this.readOffset = context.length;
    this.prefixOffset = Math.max(0, context.length - 5);
  }

  private text(from: number, to: number): string {
    return this.tok.decode(this.ids.slice(from, to), { skipSpecialTokens: true });
  }

  /** The text token completes ('' while a character is incomplete). */
  push(token: number): string {
    this.ids.push(token);
    const prefix = this.text(this.prefixOffset, this.readOffset);
    const full = this.text(this.prefixOffset, this.ids.length);
    if (full.length > prefix.length && !full.endsWith('\uFFFD')) {
      this.prefixOffset = this.readOffset;
      this.readOffset = this.ids.length;
      return full.slice(prefix.length);
    }
    return '';
  }

  /** Whatever is still held back (an incomplete character at the end decodes as U+FFFD). */
  flush(): string {
    const prefix = this.text(this.prefixOffset, this.readOffset);
    const full = this.text(this.prefixOffset, this.ids.length);
    this.prefixOffset = this.readOffset = this.ids.length;
    return full.length > prefix.length ? full.slice(prefix.length) : '';
  }
}
