// config.architectures[0] → the architecture file that builds it.
import { UnsupportedArchitectureError } from '../errors.js';
import { albertForMaskedLM, albertModel } from './arch/albert.js';
import { bart } from './arch/bart.js';
import { bertForMaskedLM, bertForSequenceClassification, bertModel } from './arch/bert.js';
import { gpt2 } from './arch/gpt2.js';
import { llama } from './arch/llama.js';
import { mamba } from './arch/mamba.js';
import { mbart } from './arch/mbart.js';
import { robertaForMaskedLM, robertaForSequenceClassification, robertaModel } from './arch/roberta.js';
import { t5 } from './arch/t5.js';
import type { Architecture } from './arch/types.js';

const architectures: Record<string, Architecture> = {
  BertModel: bertModel,
  BertForMaskedLM: bertForMaskedLM,
  BertForSequenceClassification: bertForSequenceClassification,
  RobertaModel: robertaModel,
  RobertaForMaskedLM: robertaForMaskedLM,
  RobertaForSequenceClassification: robertaForSequenceClassification,
  AlbertModel: albertModel,
  AlbertForMaskedLM: albertForMaskedLM,
  GPT2LMHeadModel: gpt2,
  LlamaForCausalLM: llama,
  T5ForConditionalGeneration: t5,
  BartForConditionalGeneration: bart,
  MBartForConditionalGeneration: mbart,
  MambaForCausalLM: mamba,
};

export const supportedArchitectures = (): string[] => Object.keys(architectures);

export function architectureOf(config: Record<string, unknown>, where: string): { name: string; arch: Architecture } {
  const list = config.architectures;
  const name = Array.isArray(list) && typeof list[0] === 'string' ? list[0] : undefined;
  if (name === undefined) {
    throw new UnsupportedArchitectureError(`${where}: config.architectures is missing; expected one of ${supportedArchitectures().join(', ')}`);
  }
  const arch = Object.hasOwn(architectures, name) ? architectures[name] : undefined;
  if (!arch) {
    throw new UnsupportedArchitectureError(`${where}: architecture '${name}' is not supported; supported: ${supportedArchitectures().join(', ')}`);
  }
  return { name, arch };
}
