#!/usr/bin/env python3
"""pngstat.py FILE.png: "WIDTH HEIGHT COLOURS TOP_FILLED" of an 8-bit RGB(A) PNG (tests/cli/hostile.sh).

COLOURS counts the distinct colours; TOP_FILLED is the fraction of pixels
that are not white in rows 8%..55% of the height, where `modsim matrix
--plot` draws its heat map: a blank heat map leaves it near 0.
"""
import struct
import sys
import zlib


def rows(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                sys.exit("want 8-bit RGB or RGBA, not interlaced")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, out = zlib.decompress(idat), width * bpp, None, []
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        prev = prev or bytearray(stride)
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append([bytes(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, out


def main():
    width, height, px = rows(sys.argv[1])
    colours = {p for row in px for p in row}
    top = px[int(height * 0.08):int(height * 0.55)]
    filled = sum(p != b"\xff\xff\xff" for row in top for p in row) / max(1, width * len(top))
    print(width, height, len(colours), "%.3f" % filled)


main()
