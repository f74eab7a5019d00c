// Reading tokenizer.json without blocking the event loop. A 50k-merge BPE file costs ~100 ms of
// JSON.parse and ~300 ms of @huggingface/tokenizers' model construction (Maps of the vocabulary
// and merge ranks), all on the main thread, where the tokenizer must live (its encode is sync).
// So a short-lived worker reads and parses the file and hands back a BPE model's vocabulary and
// merge-rank keys as UTF-16 code units in transferred buffers (no copy; cloning 50k-entry objects
// would cost the main thread as much as parsing, and even a 1 MB string clone shows up); the main
// thread builds the library's tokenizer on an empty model and fills the Maps in slices of a few
// ms, yielding in between. Other model types come back as text and are parsed on the main thread
// (their files are smaller).
import { Worker } from 'node:worker_threads';

/** A flat list of strings: units = their UTF-16 code units end to end, lens[i] = string i's length. */
export interface FlatStrings {
  units: Uint16Array;
  lens: Int32Array;
}

export type TokenizerFile =
  | { kind: 'missing' }
  | { kind: 'error'; what: 'read' | 'json'; message: string }
  | { kind: 'text'; text: string }
  /** rest: the JSON with model.vocab = {} and model.merges = []; keys: the BPE merge-rank keys (JSON of each merge pair, as the library keys them). */
  | { kind: 'bpe'; rest: string; vocab: FlatStrings; ids: Int32Array; ranks: FlatStrings };

// Plain CommonJS run with eval, so the same code serves the sources, the ESM and the CJS builds.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
function flat(list) {
  const lens = Int32Array.from(list, (s) => s.length);
  const units = new Uint16Array(lens.reduce((a, b) => a + b, 0));
  let o = 0;
  for (const s of list) for (let j = 0; j < s.length; j++) units[o++] = s.charCodeAt(j);
  return { units, lens };
}
function run(path) {
  let text;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    return e.code === 'ENOENT' ? { kind: 'missing' } : { kind: 'error', what: 'read', message: e.code || e.message };
  }
  let json;
  try { json = JSON.parse(text); } catch (e) { return { kind: 'error', what: 'json', message: e.message }; }
  const m = json && typeof json === 'object' ? json.model : undefined;
  if (!m || m.type !== 'BPE' || !m.vocab || typeof m.vocab !== 'object' || Array.isArray(m.vocab) || !Array.isArray(m.merges)) return { kind: 'text', text };
  const keys = Object.keys(m.vocab);
  const ids = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const id = m.vocab[keys[i]];
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) return { kind: 'text', text };
    ids[i] = id;
  }
  // The library's rule: merges are [a, b] pairs, or "a b" strings split at the first space.
  const pairs = Array.isArray(m.merges[0]) ? m.merges : m.merges.map((x) => String(x).split(' ', 2));
  const ranks = pairs.map((x) => JSON.stringify(x));
  json.model = { ...m, vocab: {}, merges: [] };
  return { kind: 'bpe', rest: JSON.stringify(json), vocab: flat(keys), ids, ranks: flat(ranks) };
}
const r = run(workerData);
parentPort.postMessage(r, r.kind === 'bpe' ? [r.ids, r.vocab.units, r.vocab.lens, r.ranks.units, r.ranks.lens].map((a) => a.buffer) : []);
`;

/** Reads and pre-digests path in a worker thread. */
export function readTokenizerFile(path: string): Promise<TokenizerFile> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: path });
    w.once('message', (m: TokenizerFile) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`tokenizer reader exited with code ${code}`)));
  });
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** Calls f(i, s) for each string of list, yielding to the event loop every ~sliceMs. */
export async function eachString(list: FlatStrings, f: (i: number, s: string) => void, sliceMs = 4): Promise<void> {
  const wide = new TextDecoder('utf-16le');
  let off = 0;
  let until = performance.now() + sliceMs;
  for (let i = 0; i < list.lens.length; i++) {
    const units = list.units.subarray(off, (off += list.lens[i]));
    // fromCharCode takes its units as arguments: fine for tokens, not for arbitrarily long strings.
    f(i, units.length <= 256 ? String.fromCharCode.apply(null, units as unknown as number[]) : wide.decode(units));
    if ((i & 511) === 511 && performance.now() > until) {
      await yieldToLoop();
      until = performance.now() + sliceMs;
    }
  }
}
