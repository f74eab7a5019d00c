// Chat messages to prompt text: the checkpoint's chat_template (tokenizer_config.json) rendered
// with @huggingface/jinja as transformers' apply_chat_template does, or a plain fallback for
// checkpoints without one.
import { Template } from '@huggingface/jinja';

import { ValueRangeError } from '../errors.js';
import type { ServedModel } from './served.js';

export interface ChatMessage {
  role: string;
  content: string;
  name?: string;
}

/** "role: content" lines, then "assistant:" for the model to continue. */
export const FALLBACK_TEMPLATE =
  "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

const compiled = new WeakMap<ServedModel, Template>();

function templateOf(s: ServedModel): Template {
  let t = compiled.get(s);
  if (!t) {
    try {
      t = new Template(s.chatTemplate ?? FALLBACK_TEMPLATE);
    } catch (e) {
      throw new ValueRangeError(`model '${s.name}': its chat_template does not parse (${(e as Error).message})`);
    }
    compiled.set(s, t);
  }
  return t;
}

/** Prompt token ids for messages. A checkpoint template writes its own BOS, so none is added then. */
export function chatPromptIds(s: ServedModel, messages: ChatMessage[]): number[] {
  const token = (id: number | undefined) => (id === undefined ? undefined : s.tok.idToToken(id));
  let text: string;
  try {
    text = templateOf(s).render({
      messages,
      add_generation_prompt: true,
      bos_token: token(s.tok.special.bos) ?? '',
      eos_token: token(s.tok.special.eos) ?? '',
      unk_token: token(s.tok.special.unk) ?? '',
      pad_token: token(s.tok.special.pad) ?? '',
    });
  } catch (e) {
    throw new ValueRangeError(`the chat template of model '${s.name}' failed on these messages: ${(e as Error).message}`);
  }
  return s.tok.encode(text, { addSpecialTokens: s.chatTemplate === undefined });
}
