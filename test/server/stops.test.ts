// StopMatcher: stop strings found across piece boundaries, held-back prefixes released when they
// turn out not to be a stop, the earliest of several stops wins.
import { describe, expect, it } from 'vitest';

import { StopMatcher } from '../../lib/server/stops.js';

function run(stops: string[], pieces: string[]): { out: string; stopped: boolean } {
  const m = new StopMatcher(stops);
  let out = '';
  for (const p of pieces) {
    const r = m.push(p);
    out += r.text;
    if (r.stopped) return { out, stopped: true };
  }
  return { out: out + m.flush(), stopped: false };
}

describe('StopMatcher', () => {
  it.each([
    [['END'], ['abc', 'E', 'N', 'Dxyz'], 'abc', true],
    [['END'], ['abcEN', 'x'], 'abcENx', false],
    [['END'], ['abcEN'], 'abcEN', false],
    [['\n\n', 'STOP'], ['one\n', 'two\n', '\nthree'], 'one\ntwo', true],
    [['bc', 'abcd'], ['xabcd'], 'x', true],
    [['é!'], ['caf', 'é', '!'], 'caf', true],
    [[], ['free', 'text'], 'freetext', false],
  ])('stops %j over %j -> %j', (stops, pieces, out, stopped) => {
    expect(run(stops, pieces)).toEqual({ out, stopped });
  });

  it('holds back only a possible stop prefix, sending the rest at once', () => {
    const m = new StopMatcher(['<end>']);
    expect(m.push('hello <e')).toEqual({ text: 'hello ', stopped: false });
    expect(m.push('x')).toEqual({ text: '<ex', stopped: false });
  });
});
