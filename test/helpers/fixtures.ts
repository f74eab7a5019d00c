// Reference cases copied from ../shared/fixtures into test/fixtures: manifest + safetensors.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type DecodedTensor, decodeTensor, parseSafetensorsHeader } from '../../lib/io/safetensors.js';

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface ManifestTensor {
  role: 'input' | 'expected';
  dtype: string;
  shape: number[];
  atol?: number;
  rtol?: number;
  optional?: boolean;
  exact?: boolean;
}

export interface FixtureCase {
  name: string;
  file: string;
  kind: string;
  params: Record<string, unknown>;
  tensors: Record<string, ManifestTensor>;
  compare_mask?: unknown;
  [k: string]: unknown;
}

export function readManifest(folder: string): { cases: FixtureCase[]; [k: string]: unknown } {
  return JSON.parse(readFileSync(join(fixturesDir, folder, 'manifest.json'), 'utf8'));
}

export function readCaseTensors(folder: string, file: string): Map<string, DecodedTensor> {
  const path = join(fixturesDir, folder, file);
  const bytes = new Uint8Array(readFileSync(path));
  const header = parseSafetensorsHeader(bytes, bytes.length, path);
  const out = new Map<string, DecodedTensor>();
  for (const name of header.tensors.keys()) out.set(name, decodeTensor(bytes, header, name, path));
  return out;
}
