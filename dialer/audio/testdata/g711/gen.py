#!/usr/bin/env python3
"""Writes the G.711 reference vectors the audio package tests against.

Python's audioop (deprecated in 3.11, removed in 3.13) implements ITU-T G.711
after the Sun reference code; its output is the golden value here, so the
vectors are committed rather than made at test time.

  lin2ulaw.bin, lin2alaw.bin: 65536 bytes, the code for every int16 sample,
      in order -32768 .. 32767.
  ulaw2lin.bin, alaw2lin.bin: 256 little-endian int16, the sample for every
      code 0 .. 255.
"""
import struct
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

pcm = struct.pack("<65536h", *range(-32768, 32768))
with open("lin2ulaw.bin", "wb") as f:
    f.write(audioop.lin2ulaw(pcm, 2))
with open("lin2alaw.bin", "wb") as f:
    f.write(audioop.lin2alaw(pcm, 2))
codes = bytes(range(256))
with open("ulaw2lin.bin", "wb") as f:
    f.write(audioop.ulaw2lin(codes, 2))
with open("alaw2lin.bin", "wb") as f:
    f.write(audioop.alaw2lin(codes, 2))
