#!/usr/bin/env python3
"""Fails (exit 1) when a PNG screenshot is blank: too few non-white pixels or too few colours.

Usage: check_screenshot.py FILE.png [--min-ink 0.02] [--min-colours 16]
Reads 8-bit RGB/RGBA PNGs (what headless Chromium writes) with the standard library only.
"""
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: error: not a PNG file")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                raise SystemExit(f"{path}: error: expected an 8-bit RGB or RGBA PNG, found depth {depth} colour type {colour}")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if width is None:
        raise SystemExit(f"{path}: error: no IHDR chunk")
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    out = []
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        out.append(bytes(line))
        prev = line
    return width, height, channels, out


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    path = args[0]
    min_ink = float(args[args.index("--min-ink") + 1]) if "--min-ink" in args else 0.02
    min_colours = int(args[args.index("--min-colours") + 1]) if "--min-colours" in args else 16
    width, height, channels, rows = pixels(path)
    ink, colours, total = 0, set(), 0
    for line in rows[::2]:                      # every second row and column: enough, and quick
        for x in range(0, width, 2):
            px = line[x * channels:x * channels + 3]
            colours.add(bytes(px))
            total += 1
            if min(px) < 235:
                ink += 1
    share = ink / max(1, total)
    print(f"{path}: {width}x{height}, {share:.1%} non-white, {len(colours)} colours")
    if share < min_ink or len(colours) < min_colours:
        print(f"{path}: error: the screenshot looks blank (expected at least {min_ink:.0%} non-white pixels and {min_colours} colours)")
        sys.exit(1)


main()
