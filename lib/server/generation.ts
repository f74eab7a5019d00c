// One completion as a stream of text pieces: model.generate with the request's sampling options,
// incremental detokenisation, stop tokens and stop strings, and the finish reason. Streaming and
// non-streaming responses both consume this, so they always agree.
import type { ModelGenerateOptions } from '../models/model.js';
import { StreamDecoder } from '../pipelines/stream-decoder.js';
import type { ServedModel } from './served.js';
import { StopMatcher } from './stops.js';

export interface CompletionParams {
  maxTokens: number;
  temperature: number;
  topP?: number;
  topK?: number;
  repetitionPenalty?: number;
  seed?: number;
  stop: string[];
  /** Generate past EOS (vLLM's ignore_eos). */
  ignoreEos?: boolean;
}

export type FinishReason = 'stop' | 'length';

export interface Piece {
  text: string;
  /** Set on the last piece. */
  finishReason?: FinishReason;
}

export interface CompletionRun {
  pieces: AsyncGenerator<Piece>;
  /** Generated token count so far (stop tokens included, as OpenAI counts them). */
  readonly completionTokens: number;
}

export function runCompletion(s: ServedModel, prompt: number[], p: CompletionParams, signal: AbortSignal, onToken?: () => void): CompletionRun {
  // A stop string that is one token of the vocabulary also stops as that token (special tokens
  // such as '</s>' never show up in skip-special text).
  const stopIds = new Set(p.stop.map((s1) => s.tok.tokenToId(s1)).filter((x): x is number => x !== undefined));
  const options: ModelGenerateOptions = {
    maxNewTokens: p.maxTokens,
    temperature: p.temperature,
    signal,
    ...(p.topP !== undefined && { topP: p.topP }),
    ...(p.topK !== undefined && { topK: p.topK }),
    ...(p.repetitionPenalty !== undefined && { repetitionPenalty: p.repetitionPenalty }),
    ...(p.seed !== undefined && { seed: p.seed }),
    ...(stopIds.size > 0 && { stopTokenIds: [...stopIds] }),
    ...(p.ignoreEos && { eosTokenId: null }),
  };
  const eos = new Set(p.ignoreEos ? [] : s.model.eosTokenIds);
  let count = 0;
  async function* pieces(): AsyncGenerator<Piece> {
    const decoder = new StreamDecoder(s.tok, s.model.kind === 'decoder' ? prompt : []);
    const matcher = new StopMatcher(p.stop);
    const rest = (): { text: string; stopped: boolean } => {
      const m = matcher.push(decoder.flush());
      return { text: m.text + (m.stopped ? '' : matcher.flush()), stopped: m.stopped };
    };
    for await (const token of s.model.generate(prompt, options)) {
      count++;
      onToken?.();
      if (stopIds.has(token) || eos.has(token)) {
        yield { text: rest().text, finishReason: 'stop' };
        return;
      }
      const m = matcher.push(decoder.push(token));
      if (m.stopped) {
        yield { text: m.text, finishReason: 'stop' };
        return;
      }
      if (m.text) yield { text: m.text };
    }
    const last = rest();
    yield { text: last.text, finishReason: last.stopped || count < p.maxTokens ? 'stop' : 'length' };
  }
  return {
    pieces: pieces(),
    get completionTokens() {
      return count;
    },
  };
}
