// MBartForConditionalGeneration (transformers models/mbart/modeling_mbart.py; Liu et al. 2020).
// Glossary: BART's weights and embeddings (positions at p + 2, layernorm_embedding,
// scale_embedding) with pre-LayerNorm layers — self_attn_layer_norm, encoder_attn_layer_norm and
// final_layer_norm normalise each sub-layer's input — and a final model.{encoder,decoder}.layer_norm.
import { bartFamily } from './bart.js';

export const mbart = bartFamily({ preLn: true });
