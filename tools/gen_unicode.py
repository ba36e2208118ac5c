#!/usr/bin/env python3
"""Print ternary.h's table of Unicode general categories (the classes the
byte-level BPE pre-tokenizers ask about: \\p{N} \\p{L} \\p{Z} \\p{M} \\p{P} \\p{S}
\\p{C}, and unassigned) as C: one uint32 per range, start << 3 | class.

Source: UnicodeData.txt (Debian's unicode-data package, Unicode 15.0.0:
/usr/share/unicode/UnicodeData.txt) plus the 627 characters Unicode 15.1
added, so the table is Unicode 15.1, the version llama.cpp's tokenizer uses:
U+2EBF0..U+2EE5D CJK Unified Ideographs Extension I (Lo), U+31EF CJK stroke
HXG (So), U+2FFC..U+2FFF ideographic description characters (So).
Usage: tools/gen_unicode.py [UnicodeData.txt] > table.c"""
import sys

CLASS = {'N': 1, 'L': 2, 'Z': 3, 'M': 4, 'P': 5, 'S': 6, 'C': 7}  # 0: unassigned (Cn)
path = sys.argv[1] if len(sys.argv) > 1 else '/usr/share/unicode/UnicodeData.txt'
cls = bytearray(0x110000)
first = None
for line in open(path, encoding='utf-8'):
    f = line.split(';')
    cp, name, gc = int(f[0], 16), f[1], f[2]
    c = 0 if gc == 'Cn' else CLASS[gc[0]]
    if name.endswith(', First>'):
        first = cp
        continue
    if name.endswith(', Last>'):
        for x in range(first, cp + 1):
            cls[x] = c
        continue
    cls[cp] = c
for lo, hi, gc in ((0x2EBF0, 0x2EE5D, 'L'), (0x31EF, 0x31EF, 'S'), (0x2FFC, 0x2FFF, 'S')):
    for x in range(lo, hi + 1):
        cls[x] = CLASS[gc]
ranges = []
for cp in range(0x110000):
    if cp == 0 or cls[cp] != cls[cp - 1]:
        ranges.append(cp << 3 | cls[cp])
print('static const uint32_t tn__ucat[%d] = {' % len(ranges))
for i in range(0, len(ranges), 10):
    print('    ' + ', '.join('0x%x' % r for r in ranges[i:i + 10]) + ',')
print('};')
