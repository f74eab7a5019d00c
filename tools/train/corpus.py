"""The training text: the Jargon File 4.4.7 (public domain) from Debian's jargon-text package.

Reads /usr/share/doc/jargon-text/jargon.txt.gz, keeps the prose (chapters 1-12, the lexicon
entries, appendices A-C; drops the tables of contents, the glossary's headword index and the
bibliography), unwraps each paragraph onto one line, drops the {cross-reference} braces and the box-drawn tables, maps typographic quotes and dashes to ASCII,
and holds out every 20th paragraph as the validation split. Deterministic: the sha256 of both
splits is printed and recorded in each model's validation.json.
"""
import gzip
import hashlib
import re
import unicodedata

SOURCE = '/usr/share/doc/jargon-text/jargon.txt.gz'
PACKAGE = 'jargon-text (Debian), the Jargon File 4.4.7 by Eric S. Raymond et al., public domain'
HOLDOUT_EVERY = 20

ASCII = {'\u201c': '"', '\u201d': '"', '\u2018': "'", '\u2019': "'", '\u2014': ' - ', '\u2013': '-', '\u2026': '...', '\u00a0': ' '}


def paragraphs():
    lines = gzip.open(SOURCE, 'rt', encoding='utf-8').read().replace('\u00a0', ' ').split('\n')
    starts = [i for i, l in enumerate(lines) if l.startswith('Chapter 1. Hacker Slang')]
    first_entry = next(i for i, l in enumerate(lines) if l.startswith('   :') and i > starts[0])
    glossary = next(i for i, l in enumerate(lines) if l == 'Glossary')
    biblio = max(i for i, l in enumerate(lines) if l == 'Bibliography')
    kept = lines[starts[-1]:glossary] + lines[first_entry:biblio]
    out, cur = [], []
    for l in kept + ['']:
        if l.strip():
            cur.append(l.strip())
        elif cur:
            out.append(' '.join(cur))
            cur = []
    text = []
    for p in out:
        p = unicodedata.normalize('NFC', ''.join(ASCII.get(ch, ch) for ch in p))
        # {term} marks a cross-reference in the lexicon; the braces are markup, not text.
        p = re.sub(r'\{([^{}]*)\}', r'\1', p)
        p = re.sub(r' +', ' ', p).strip()
        # Box-drawing tables (the revision history) are layout, not language.
        if p and not any(0x2500 <= ord(ch) < 0x2580 for ch in p):
            text.append(p)
    return text


def splits():
    ps = paragraphs()
    train = [p for i, p in enumerate(ps) if i % HOLDOUT_EVERY != HOLDOUT_EVERY - 1]
    valid = [p for i, p in enumerate(ps) if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1]
    return '\n'.join(train) + '\n', '\n'.join(valid) + '\n'


def sha256(s):
    return hashlib.sha256(s.encode('utf-8')).hexdigest()


if __name__ == '__main__':
    tr, va = splits()
    print(f'train {len(tr.encode())} bytes sha256 {sha256(tr)}')
    print(f'valid {len(va.encode())} bytes sha256 {sha256(va)}')
    print(va[:600])
