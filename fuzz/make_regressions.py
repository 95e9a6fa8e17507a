#!/usr/bin/python3
"""Writes the regression inputs of the readers of untrusted files: fuzz/regressions/idx/,
fuzz/regressions/ckpt/, fuzz/regressions/image/ (pictures) and fuzz/regressions/font/, and beside
them idx.tsv, ckpt.tsv, image.tsv and font.tsv, which say for each input whether
the parsers accept it or, if they refuse it, a fragment of the message they refuse it with
(tests/io/test_fuzz_regressions.c checks both, through the contract checks of fuzz/contract_*.c;
scripts/fuzz.sh also hands the folders to libFuzzer as inputs).

Each input is a malformed or borderline file of a kind that breaks parsers: truncation at every
level, lengths and counts that overflow 32 or 64 bits, sizes that match only modulo 2^32,
duplicate keys, offsets past the end, overlaps and holes, NaN and infinities, bad UTF-8 and NUL
escapes, gzip streams that are cut, corrupt, followed by garbage or a bomb. When the fuzzer
finds an input that breaks a parser, add it here (as a bytes literal, with what it broke) so
that it stays a regression test.

The seeds of the picture and font harnesses (fuzz/corpus/image, fuzz/corpus/font: one small
valid file of each kind, the font a tiny TrueType font built here) are written too. (The DejaVu
Sans mutations of fuzz/regressions/font-mutations.tsv are not made here: they are the crashes of
the old stb_truetype path, kept as found.)

Usage: fuzz/make_regressions.py   (rewrites these folders; standard library only, deterministic)
"""

import base64
import json
import os
import shutil
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "regressions")

# ---- IDX (idx.h): images [n,28,28] and labels [n] of unsigned bytes, big-endian header ----------

IMAGES, LABELS = 0x00000803, 0x00000801


def be32(*values):
    return b"".join(struct.pack(">I", v) for v in values)


def images(n, count=None, rows=28, cols=28, magic=IMAGES, payload=None):
    """An images file announcing count (default n) images of rows x cols, holding n of 28x28."""
    body = payload if payload is not None else bytes((i * 7) % 256 for i in range(n * 784))
    return be32(magic, n if count is None else count, rows, cols) + body


def labels(values, count=None, magic=LABELS):
    return be32(magic, len(values) if count is None else count) + bytes(values)


def gzip(data, name=None, level=9):
    """A gzip member with mtime 0 (deterministic); with name, an FNAME field as gzip -N writes."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
    deflated = c.compress(data) + c.flush()
    flags = 0x08 if name else 0
    head = b"\x1f\x8b\x08" + bytes([flags]) + b"\x00\x00\x00\x00\x02\x03"
    if name:
        head += name + b"\x00"
    tail = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return head + deflated + tail


LABELS3 = labels([7, 2, 1])
GZ3 = gzip(LABELS3)

IDX = [
    # name, bytes, verdict ("accepted" or a fragment of the refusal), what it guards against
    ("empty.idx", b"", "refused: empty file", "a read of a header that is not there"),
    ("three-bytes.idx", b"\x00\x00\x08", "refused: truncated header (3 bytes",
     "reading the magic past the end"),
    ("images-header-15-bytes.idx3", images(1)[:15], "refused: truncated header (15 bytes",
     "reading the dimensions past the end"),
    ("images-zero-count.idx3", images(0), "refused: header says 0 images",
     "an empty data set taken for a valid one"),
    ("images-count-wraps-32-bits.idx3", images(1, count=(1 << 28) + 1),
     "refused: header says 268435457 images",
     "count*784 computed in 32 bits: (2^28+1)*784 = 784 mod 2^32, the size of the payload"),
    ("images-784x1.idx3", images(1, rows=784, cols=1), "refused: 28x28 images expected",
     "checking rows*cols instead of rows and cols"),
    ("images-one-byte-short.idx3", images(1)[:-1], "refused: truncated file",
     "a payload one byte short"),
    ("images-one-byte-extra.idx3", images(1) + b"\x00", "refused: extra bytes at the end",
     "bytes after the last image ignored"),
    ("images-4-dimensions.idx3", images(1, magic=0x00000804), "refused: (4 dimensions, expected 3)",
     "a magic checked only in its type byte"),
    ("images-signed-bytes.idx3", images(1, magic=0x00000903), "refused: element type 0x09",
     "a magic checked only in its dimension byte"),
    ("labels-one.idx1", labels([9]), "accepted", "the smallest valid file, label 9 the largest"),
    ("labels-count-above-int-max.idx1", labels([], count=0x80000000),
     "refused: header says 2147483648 labels",
     "a count above INT_MAX turned negative in an int"),
    ("labels-10-last.idx1", labels([1, 2, 10]), "accepted",
     "a label of 10 or more, read back as itself (the run's classes decide: dataset_check_labels)"),
    ("labels-255.idx1", labels([255]), "accepted",
     "a label read as a signed char (the contract compares every label with the file's byte)"),
    ("labels-zero-count.idx1", labels([]), "refused: header says 0 labels",
     "an empty data set taken for a valid one"),
    ("labels-swapped-magic.idx1", labels([1], magic=IMAGES), "refused: (an images file?)",
     "the images file given as the labels file"),
    ("gz-labels-with-fname.idx1.gz", gzip(LABELS3, name=b"t10k-labels-idx1-ubyte"), "accepted",
     "a gzip header with a file name (gzip -N), which a hand-made header parser would misread"),
    ("gz-two-members-second-empty.idx1.gz", GZ3 + gzip(b""), "accepted",
     "an empty member after a full one taken for the end of the data"),
    ("gz-truncated.idx1.gz", GZ3[:-6], "refused: gzip stream truncated",
     "a stream that ends before its trailer"),
    ("gz-magic-only.gz", b"\x1f\x8b", "refused: gzip stream truncated",
     "a gzip header cut after the magic (and a size hint read from bytes that are not there)"),
    ("gz-second-member-cut.idx1.gz", GZ3 + b"\x1f\x8b", "refused: gzip stream truncated",
     "a second member cut after its magic"),
    ("gz-bad-crc.idx1.gz", GZ3[:-8] + bytes([GZ3[-8] ^ 1]) + GZ3[-7:],
     "refused: incorrect data check", "the CRC-32 of the data not checked"),
    ("gz-isize-lies.idx1.gz", GZ3[:-4] + b"\xff\xff\xff\xff", "refused: incorrect length check",
     "the ISIZE trailer trusted as the output size: a 4 GiB allocation for a 31-byte file"),
    ("gz-trailing-garbage.idx1.gz", GZ3 + b"junk", "refused: bytes of trailing garbage",
     "bytes after the last member ignored"),
    ("gz-empty.gz", gzip(b""), "refused: empty file", "a stream that inflates to nothing"),
    ("gz-label-out-of-range.idx1.gz", gzip(labels([3, 11])), "accepted",
     "the decompressed file not parsed and compared like a raw one"),
    ("gz-deflate-not-gzip.idx1", zlib.compress(LABELS3), "refused: (not an IDX file)",
     "a zlib stream (78 9c) taken for gzip"),
    ("gz-bomb-64-mib.gz", gzip(bytes((64 << 20) + 1)), "refused: decompression bomb",
     "inflating without a cap: 65 KB that inflate to 64 MiB + 1 byte"),
]

# ---- safetensors checkpoints (ckpt.h) for the table of fuzz/contract_ckpt.c ---------------------

# name, shape, optional: as contract_ckpt.c's table
TABLE = [
    ("fc.weight", [2, 3], False),
    ("fc.bias", [4], False),
    ("conv.weight", [1, 2, 2, 1], False),
    ("scale", [], False),
    ("empty", [0, 2], False),
    ("fc.weight.momentum", [2, 3], True),
]


def count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def floats(values):
    return b"".join(struct.pack("<f", v) for v in values)


def tensors(optional=False, values=None):
    """[(name, shape, data bytes)] for the table, with the optional tensor if asked."""
    out, k = [], 0
    for name, shape, opt in TABLE:
        if opt and not optional:
            continue
        n = count(shape)
        out.append((name, shape, floats(values[k:k + n] if values else
                                        [0.25 * (k + i) - 2 for i in range(n)])))
        k += n
    return out


def entry(shape, begin, end, dtype='"F32"'):
    dims = ",".join(str(d) for d in shape)
    return '{"dtype":%s,"shape":[%s],"data_offsets":[%d,%d]}' % (dtype, dims, begin, end)


def header(items):
    """JSON text of an object from (key, raw JSON value) pairs, in order, duplicates kept."""
    return "{" + ",".join('"%s":%s' % (k, v) for k, v in items) + "}"


def meta_json(pairs):
    return header([(k, '"%s"' % v) for k, v in pairs])


def layout(ts, order=None):
    """Entries (key, JSON) laid out back to back in data order, listed in `order` (indices)."""
    items, at = [], 0
    spans = []
    for name, shape, data in ts:
        spans.append((name, entry(shape, at, at + len(data))))
        at += len(data)
    for i in order or range(len(ts)):
        items.append(spans[i])
    return items, b"".join(d for _, _, d in ts)


def safetensors(hdr, data, pad=True, length=None):
    """8-byte length, header (str or bytes) padded with spaces to a multiple of 8, data."""
    h = hdr.encode() if isinstance(hdr, str) else hdr
    if pad:
        h += b" " * (-(8 + len(h)) % 8)
    return struct.pack("<Q", len(h) if length is None else length) + h + data


def meta_crc(pairs):
    """The metadata checksum (ckpt.h): CRC-32 of the entries but the two checksums, sorted by
    key, each as key NUL value NUL (the values as JSON reads them)."""
    dec = sorted((k, json.loads('"%s"' % v)) for k, v in pairs
                 if k not in ("crc32", "metadata_crc32"))
    return "%08x" % zlib.crc32(b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in dec))


def ckpt(ts=None, crc=True, meta=(), order=None, extra=(), data=None, seal=True):
    """A checkpoint of ts (default: the required tensors), with "crc32" of its data unless
    crc is False (or a string to use instead) and then "metadata_crc32" unless seal is False,
    extra metadata pairs, extra entries."""
    ts = ts if ts is not None else tensors()
    items, d = layout(ts, order)
    d = d if data is None else data
    pairs = list(meta)
    if crc is not False:
        pairs += [("format", "pt"), ("crc32", crc if isinstance(crc, str) else
                                     "%08x" % zlib.crc32(d))]
        if seal:
            pairs.append(("metadata_crc32", meta_crc(pairs)))
    if pairs:
        items = [("__metadata__", meta_json(pairs))] + items
    return safetensors(header(items + list(extra)), d)


def with_entry(name, value, crc=True):
    """The standard file with the entry of `name` replaced by the raw JSON value."""
    items, d = layout(tensors())
    items = [(k, value if k == name else v) for k, v in items]
    items = [("__metadata__", meta_json([("crc32", "%08x" % zlib.crc32(d)),
                                         ("metadata_crc32", meta_crc([]))]))] + items \
        if crc else items
    return safetensors(header(items), d)


STD = ckpt()
STD_DATA = layout(tensors())[1]
N = len(STD_DATA)  # 60 bytes: 24 + 16 + 16 + 4 + 0
FLOAT_NAN, FLOAT_INF = b"\x00\x00\xc0\x7f", b"\x00\x00\x80\xff"


def data_with(at, four):
    return STD_DATA[:at] + four + STD_DATA[at + 4:]


def raw_header(text):
    """The standard tensors under a hand-written header text (bytes), no metadata."""
    return safetensors(text, STD_DATA)


STD_ITEMS = layout(tensors())[0]
STD_BODY = ",".join('"%s":%s' % kv for kv in STD_ITEMS)

CKPT = [
    ("accepted-reverse-listing.ckpt", ckpt(order=[4, 3, 2, 1, 0]), "accepted",
     "entries listed in another order than their data"),
    ("accepted-optional-present.ckpt", ckpt(tensors(optional=True)), "accepted",
     "the optional tensor present, last in the data"),
    ("accepted-empty-tensor-shares-begin.ckpt", with_entry("empty", entry([0, 2], 24, 24)),
     "accepted", "a tensor with no bytes at the offset where another begins, read as an overlap"),
    ("accepted-whitespace-around-json.ckpt",
     raw_header("\n\t {" + STD_BODY + "}\r\n"), "accepted",
     "JSON whitespace (tab, newline, return) around the header refused as control bytes"),
    ("accepted-crc-upper-case.ckpt", ckpt(crc="%08X" % zlib.crc32(STD_DATA)), "accepted",
     "the checksum compared as text, not as a number"),
    ("accepted-metadata-unicode.ckpt", ckpt(meta=[("note", "d\u00e9j\u00e0 vu \U0001F600"),
                                                  ("esc", "\\u00e9\\ud83d\\ude00")]),
     "accepted", "valid UTF-8 (2- and 4-byte) and escaped surrogate pairs refused"),
    ("accepted-extreme-finite-values.ckpt",
     ckpt(tensors(values=[-0.0, 1e-45, -1e-45, 3.4028234663852886e38, -3.4028234663852886e38,
                          1.1754942e-38] + [1.0] * 9)),
     "accepted", "-0, subnormals and the largest floats taken for NaN or infinity"),
    ("empty.ckpt", b"", "refused: truncated: 0 bytes", "reading the length of an empty file"),
    ("seven-bytes.ckpt", STD[:7], "refused: truncated: 7 bytes", "reading 8 bytes from 7"),
    ("length-u64-max.ckpt", safetensors(b"{}", b"", length=2**64 - 1),
     "refused: header length 18446744073709551615 is absurd",
     "8 + length wrapping around to 7, inside the file"),
    ("length-2-pow-63.ckpt", safetensors(b"{}", b"", length=2**63),
     "refused: header length 9223372036854775808 is absurd",
     "the length read as a signed (negative) number"),
    ("length-wraps-to-zero.ckpt", safetensors(b"{}", b"", length=2**64 - 8),
     "refused: header length 18446744073709551608 is absurd",
     "a length that wraps to 0 when 8 is added"),
    ("length-100000001.ckpt", safetensors(b"{}", b"", length=100000001),
     "refused: header length 100000001 is absurd", "the 100 MB limit off by one"),
    ("length-past-end.ckpt", STD[:8 + 16], "refused: truncated: header length",
     "a header cut short by the end of the file"),
    ("length-zero.ckpt", safetensors(b"", STD_DATA), "refused: header is not valid JSON",
     "an empty header parsed as an empty object"),
    ("json-unclosed.ckpt", raw_header("{" + STD_BODY), "refused: header is not valid JSON",
     "an unterminated object"),
    ("json-array.ckpt", raw_header("[{" + STD_BODY + "}]"),
     "refused: header is not a JSON object", "a header that is JSON but not an object"),
    ("json-trailing-text.ckpt", raw_header("{" + STD_BODY + "} {}"),
     "refused: header is not valid JSON", "text after the object ignored"),
    ("accepted-json-bom.ckpt", raw_header("\ufeff{" + STD_BODY + "}"), "accepted",
     "a byte-order mark before the object, which JSON parsers may skip (cJSON does; the "
     "reference reader refuses it)"),
    ("json-nul-escape.ckpt", raw_header('{"fc.bias\\u0000x":{},' + STD_BODY + "}"),
     "refused: \\u0000 escape", "a name cut at an escaped NUL, read as another tensor's name"),
    ("json-control-byte.ckpt", raw_header('{"fc\x01bias":{},' + STD_BODY + "}"),
     "refused: control byte 0x01", "a control byte in a name, skipped as whitespace"),
    ("json-utf8-overlong.ckpt", raw_header(b'{"\xc0\xaf":{},' + STD_BODY.encode() + b"}"),
     "refused: bad byte 0xc0", "an overlong UTF-8 form ('/' in two bytes)"),
    ("json-utf8-surrogate.ckpt", raw_header(b'{"\xed\xa0\x80":{},' + STD_BODY.encode() + b"}"),
     "refused: bad byte 0xed", "a UTF-16 surrogate encoded in UTF-8"),
    ("json-utf8-cut-at-end.ckpt",
     safetensors(b"{" + STD_BODY.encode() + b"}\xe2\x82", STD_DATA, pad=False),
     "refused: bad byte 0xe2", "a multi-byte sequence cut by the end of the header"),
    ("duplicate-tensor.ckpt", raw_header("{" + STD_BODY + ',"fc.bias":' +
                                         entry([4], 24, 40) + "}"),
     "refused: duplicated key 'fc.bias' in the header",
     "a tensor listed twice, the second silently winning"),
    ("duplicate-metadata-key.ckpt", ckpt(meta=[("k", "1"), ("k", "2")]),
     "refused: duplicated key 'k' in __metadata__", "a metadata key given twice"),
    ("duplicate-field.ckpt", with_entry("fc.bias", '{"dtype":"F32","dtype":"F32","shape":[4],'
                                        '"data_offsets":[24,40]}'),
     "refused: duplicated key 'dtype'", "a field of an entry given twice"),
    ("entry-not-object.ckpt", with_entry("fc.bias", "[4]"), "refused: entry is not an object",
     "an entry read as an object whatever it is"),
    ("entry-extra-field.ckpt", with_entry("fc.bias", '{"dtype":"F32","shape":[4],'
                                          '"data_offsets":[24,40],"foo":1}'),
     "refused: unexpected field 'foo'", "unknown fields ignored"),
    ("dtype-missing.ckpt", with_entry("fc.bias", '{"shape":[4],"data_offsets":[24,40]}'),
     "refused: missing dtype", "a NULL dtype dereferenced"),
    ("dtype-number.ckpt", with_entry("fc.bias", entry([4], 24, 40, dtype="32")),
     "refused: dtype is not a string", "a number's NULL string compared"),
    ("dtype-f16.ckpt", with_entry("fc.bias", entry([4], 24, 40, dtype='"F16"')),
     "refused: dtype F16, expected F32", "half floats read as float32"),
    ("shape-not-array.ckpt", with_entry("fc.bias", '{"dtype":"F32","shape":4,'
                                        '"data_offsets":[24,40]}'),
     "refused: shape is not an array", "a number's NULL child followed"),
    ("shape-negative.ckpt", with_entry("fc.weight", entry([-2, -3], 0, 24)),
     "refused: shape is not a list of non-negative integers",
     "negative dimensions whose product is the right size"),
    ("shape-fraction.ckpt", with_entry("fc.bias", entry([4.5], 24, 40)),
     "refused: shape is not a list of non-negative integers", "a dimension truncated to 4"),
    ("shape-product-wraps.ckpt", with_entry("empty", entry([2**32, 2**32], 60, 60)),
     "refused: shape mismatch for tensor 'empty'",
     "dimensions whose product wraps to 0 in 64 bits, the size of an empty tensor"),
    ("shape-above-2-pow-53.ckpt", with_entry("fc.bias", entry([2**64], 24, 40)),
     "refused: shape is not a list of non-negative integers",
     "a dimension too large for a double to hold exactly"),
    ("shape-100-dimensions.ckpt", with_entry("scale", entry([1] * 100, 56, 60)),
     "refused: found [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,...]",
     "the dimensions of a message written past its buffer"),
    ("offsets-not-a-pair.ckpt", with_entry("fc.bias", '{"dtype":"F32","shape":[4],'
                                           '"data_offsets":[24]}'),
     "refused: data_offsets is not a pair", "the second offset read from a missing item"),
    ("offsets-negative.ckpt", with_entry("fc.bias", entry([4], -16, 0)),
     "refused: data_offsets are not non-negative integers", "a negative offset"),
    ("offsets-2-pow-64.ckpt", with_entry("fc.bias", entry([4], 2**64, 2**64 + 16)),
     "refused: data_offsets out of range",
     "offsets beyond 2^64 converted to integers (undefined in C)"),
    ("offsets-past-end.ckpt", with_entry("fc.bias", entry([4], 56, 72)),
     "refused: data_offsets [56,72] out of range", "reading past the end of the data"),
    ("offsets-end-before-begin.ckpt", with_entry("fc.bias", entry([4], 40, 24)),
     "refused: end before begin", "end - begin wrapping around"),
    ("offsets-size-mismatch.ckpt", with_entry("fc.bias", entry([4], 24, 36)),
     "refused: (size mismatch)", "a range shorter than the shape needs"),
    ("offsets-overlap.ckpt", with_entry("conv.weight", entry([1, 2, 2, 1], 36, 52)),
     "refused: overlap in the data section", "two tensors sharing bytes"),
    ("offsets-hole.ckpt", safetensors(header(STD_ITEMS[:1] + [
        ("fc.bias", entry([4], 28, 44)), ("conv.weight", entry([1, 2, 2, 1], 44, 60)),
        ("scale", entry([], 60, 64)), ("empty", entry([0, 2], 64, 64))]), STD_DATA + b"\0" * 4),
     "refused: hole in the data section", "bytes that belong to no tensor"),
    ("offsets-bytes-left-over.ckpt", ckpt(data=STD_DATA + b"\0" * 4),
     "refused: bytes left over at the end", "data after the last tensor ignored"),
    ("tensor-unknown.ckpt", ckpt(extra=[("fc.extra", entry([1], 60, 64))],
                                 data=STD_DATA + b"\0" * 4),
     "refused: unexpected tensor 'fc.extra'", "a tensor the model does not have ignored"),
    ("tensor-missing.ckpt", ckpt([t for t in tensors() if t[0] != "scale"]),
     "refused: missing tensor 'scale'", "a required tensor left as it was"),
    ("name-with-newline.ckpt", raw_header('{"fc\\nweight":{},' + STD_BODY + "}"),
     "refused: unexpected tensor 'fc?weight'", "a name that makes the message span lines"),
    ("name-long.ckpt", raw_header('{"' + "w" * 300 + '":{},' + STD_BODY + "}"),
     "refused: ...' (not part of this model)", "a long name that crowds out the message"),
    ("metadata-not-object.ckpt", raw_header('{"__metadata__":"pt",' + STD_BODY + "}"),
     "refused: __metadata__ is not an object of strings", "a string taken for an object"),
    ("metadata-number-value.ckpt", raw_header('{"__metadata__":{"n":1},' + STD_BODY + "}"),
     "refused: __metadata__ value of 'n' is not a string", "a number's NULL string copied"),
    ("crc-not-hex.ckpt", ckpt(crc="0000000g"), "refused: is not 8 hex digits",
     "a checksum parsed up to the first bad digit"),
    ("crc-nine-digits.ckpt", ckpt(crc="%09x" % zlib.crc32(STD_DATA)),
     "refused: is not 8 hex digits", "a checksum with a leading 0 added"),
    ("crc-mismatch.ckpt", ckpt(crc="%08x" % (zlib.crc32(STD_DATA) ^ 1)),
     "refused: checksum mismatch", "a corrupt data section loaded"),
    ("nan-with-good-crc.ckpt", ckpt(data=data_with(44, FLOAT_NAN)),
     "refused: tensor 'conv.weight' holds a NaN at index 1", "a NaN loaded into the weights"),
    ("infinity-without-crc.ckpt", ckpt(crc=False, data=data_with(56, FLOAT_INF)),
     "refused: tensor 'scale' holds an infinite value at index 0",
     "an infinity loaded when no checksum is there to catch it"),
    ("metadata-edited.ckpt", ckpt(meta=[("epoch", "3")]).replace(b'"epoch":"3"', b'"epoch":"4"'),
     "refused: metadata checksum mismatch", "metadata edited by hand loaded as the truth"),
    ("accepted-metadata-crc-missing.ckpt", ckpt(meta=[("lr", "nan")], seal=False),
     "accepted", "a file from before the metadata checksum refused, though its data checks "
     "(its metadata is loaded untrusted: ckpt_meta_trusted)"),
    ("metadata-crc-missing-data-changed.ckpt",
     ckpt(meta=[("lr", "nan")], seal=False)[:-1] + b"\x01",
     "refused: checksum mismatch", "crc32 alone: the data still checked"),
    ("metadata-crc-without-crc32.ckpt",
     safetensors(header([("__metadata__", meta_json([("metadata_crc32", meta_crc([]))]))] +
                        STD_ITEMS), STD_DATA),
     "refused: no crc32 beside metadata_crc32", "a data checksum removed to load a changed file"),
    ("accepted-metadata-reordered.ckpt",
     safetensors(header([("__metadata__", meta_json(
         [("metadata_crc32", meta_crc([("format", "pt"), ("b", "2"), ("a", "1")])),
          ("crc32", "%08x" % zlib.crc32(STD_DATA)), ("format", "pt"), ("b", "2"), ("a", "1")]))]
         + STD_ITEMS), STD_DATA),
     "accepted", "the metadata checksum taken over the entries in file order, not sorted"),
]


# ---- pictures (image.h): PNG, JPEG, BMP, PGM/PPM; the seeds of fuzz/corpus/image too ----------


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(w, h, rows, colour=0, depth=8, interlace=0, idat=None, plte=None, trns=None):
    """A PNG of the given rows (each a bytes of filter type + pixels)."""
    head = png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, interlace))
    data = zlib.compress(b"".join(rows), 9) if idat is None else idat
    body = png_chunk(b"PLTE", plte) if plte else b""
    body += png_chunk(b"tRNS", trns) if trns else b""
    return (b"\x89PNG\r\n\x1a\n" + head + body + png_chunk(b"IDAT", data) +
            png_chunk(b"IEND", b""))


def digit_rows(w, h, channels=1, ink=20, paper=235):
    """A dark bar on light paper: w x h pixels, each row with filter type 0."""
    rows = []
    for y in range(h):
        px = bytearray()
        for x in range(w):
            v = ink if w // 3 <= x < 2 * w // 3 and h // 5 <= y < 4 * h // 5 else paper
            px += bytes([v] * channels)
        rows.append(b"\x00" + bytes(px))
    return rows


def bmp(w, h, bpp=24, pixels=None, header=40, compression=0, colours=0, palette=b"", masks=b"",
        offset=None, header_masks=None):
    """A BMP: file header, info header, masks, palette, then the pixel rows (given or a bar)."""
    stride = (w * bpp + 31) // 32 * 4
    if pixels is None:
        rows = []
        for y in range(abs(h)):
            row = bytearray(stride)
            for x in range(w):
                dark = w // 3 <= x < 2 * w // 3 and abs(h) // 5 <= y < 4 * abs(h) // 5
                if bpp == 24:
                    row[3 * x:3 * x + 3] = bytes([20 if dark else 235] * 3)
                elif bpp == 8:
                    row[x] = 1 if dark else 0
                elif bpp == 32:
                    row[4 * x:4 * x + 4] = bytes([20 if dark else 235] * 3 + [0])
            rows.append(bytes(row))
        pixels = b"".join(rows)
    info = struct.pack("<IiiHHIIiiII", header, w, h, 1, bpp, compression, len(pixels), 2835, 2835,
                       colours, 0)
    info = info + bytes(header - len(info)) if header >= len(info) else info[:header]
    if header_masks:  # in a V3 or later header, right after the 40 bytes of the first version
        info = info[:40] + struct.pack("<4I", *header_masks) + info[56:]
    off = 14 + header + len(masks) + len(palette) if offset is None else offset
    total = (off + len(pixels)) & 0xFFFFFFFF
    return b"BM" + struct.pack("<IHHI", total, 0, 0, off) + info + masks + palette + pixels


def pnm(kind, w, h, maxval=255, data=None, comment=b""):
    ch = 1 if kind == b"P5" else 3
    if data is None:
        data = bytes(20 if w // 3 <= i // ch % w < 2 * w // 3 else 235 for i in range(w * h * ch))
    return kind + b"\n" + comment + b"%d %d\n%d\n" % (w, h, maxval) + data


# written by libjpeg-turbo 2.1 (quality 75): 12x10 grey, and 12x10 RGB progressive
GREY_JPG = base64.b64decode("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAAKAAwBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/ANr4w+Ltc8K/2L/Yt99l+0+f5v7pH3bfLx95Tj7x6eteo0UV/9k=")
RGB_PROGRESSIVE_JPG = base64.b64decode("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wgARCAAKAAwDASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAAAAQG/8QAFAEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEAMQAAABt1Af/8QAFxABAAMAAAAAAAAAAAAAAAAABAMFIP/aAAgBAQABBQK4XOXH/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAgBAwEBPwF//8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAgBAgEBPwF//8QAGxAAAgEFAAAAAAAAAAAAAAAAERICAxMgIXH/2gAIAQEABj8Co2ZqxOuYf//EABgQAAMBAQAAAAAAAAAAAAAAAAERYSCB/9oACAEBAAE/IeL6Fqhcf//aAAwDAQACAAMAAAAQc//EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQMBAT8Qf//EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQIBAT8Qf//EABgQAAIDAAAAAAAAAAAAAAAAABExIFHB/9oACAEBAAE/EMgPwwMrh//Z")


def exif(orientation=6, order=b"II", ifd=8, count=1, type_=3, next_ifd=0):
    """The body of an APP1 marker: "Exif\0\0", a TIFF header and IFD0 holding Orientation."""
    e = "<" if order == b"II" else ">"
    entry = struct.pack(e + "HHI", 0x0112, type_, 1) + (struct.pack(e + "HH", orientation, 0)
                                                         if type_ == 3 else
                                                         struct.pack(e + "I", orientation))
    return (b"Exif\0\0" + order + struct.pack(e + "HI", 42, ifd) + struct.pack(e + "H", count)
            + entry + struct.pack(e + "I", next_ifd))


def with_app1(jpg, body):
    """jpg with an APP1 marker holding body right after its SOI."""
    return jpg[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + jpg[2:]


PNG_GREY = png(12, 10, digit_rows(12, 10))
BMP_24 = bmp(12, 10)
PGM = pnm(b"P5", 12, 10)

# the seeds: one small valid picture of each kind the decoders read
IMAGE_SEEDS = [
    ("grey.png", PNG_GREY),
    ("rgba.png", png(9, 7, digit_rows(9, 7, 4), colour=6)),
    ("palette-trns.png", png(8, 6, [b"\x00" + bytes((x + y) % 3 for x in range(8))
                                    for y in range(6)],
                             colour=3, plte=b"\x00\x00\x00\xff\xff\xff\x80\x80\x80",
                             trns=b"\xff\x00")),
    ("grey16.png", png(6, 5, [b"\x00" + bytes(x * 40 % 256 for x in range(12))] * 5, depth=16)),
    ("grey.jpg", GREY_JPG),
    ("rgb-progressive.jpg", RGB_PROGRESSIVE_JPG),
    ("grey-exif-orientation-6.jpg", with_app1(GREY_JPG, exif(6))),
    ("grey-exif-orientation-7-big-endian.jpg", with_app1(GREY_JPG, exif(7, order=b"MM"))),
    ("rgb24.bmp", BMP_24),
    ("palette8-top-down.bmp", bmp(8, -6, bpp=8, colours=2,
                                  palette=b"\xeb\xeb\xeb\x00\x14\x14\x14\x00")),
    ("bitfields565.bmp", bmp(4, 3, bpp=16, compression=3,
                             masks=struct.pack("<III", 0xF800, 0x07E0, 0x1F),
                             pixels=b"\xff\xff\x00\x00\xff\xff\x00\x00" * 3)),
    ("argb32-v5.bmp", bmp(4, 3, bpp=32, header=124, compression=3, pixels=b"\x10\x20\x30\x80" * 12,
                          header_masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000))),
    ("grey.pgm", PGM),
    ("rgb16-comment.ppm", pnm(b"P6", 5, 4, maxval=1000, comment=b"# a comment\n",
                              data=bytes(range(120)))),
]


def png_size(w, h):
    """A PNG header declaring w x h pixels, with one byte of image data."""
    return png(w, h, [], idat=zlib.compress(b"\x00"))


IMAGE = [
    ("empty.png", b"", "refused: empty file", "a read of a signature that is not there"),
    ("png-cut-in-iend.png", PNG_GREY[:-1], "refused: truncated file", "a PNG cut in its last chunk"),
    ("png-no-iend.png", PNG_GREY[:-12], "refused: truncated file", "a PNG without IEND decoded all the same"),
    ("png-cut-in-idat.png", PNG_GREY[:len(PNG_GREY) - 30], "refused: truncated file",
     "pixels that are not there"),
    ("png-100000-square.png", png_size(100000, 100000),
     "refused: image too large (100000x100000 pixels", "a huge size called 'not a PNG'"),
    ("png-2-pow-31-wide.png", png_size(0x80000000, 1), "refused: PNG unsigned integer out of range",
     "a width past the 31 bits PNG allows"),
    ("png-zero-height.png", png_size(5, 0), "refused: Invalid IHDR data", "an empty picture"),
    ("png-ihdr-crc.png", PNG_GREY[:29] + b"\x00\x00\x00\x00" + PNG_GREY[33:],
     "refused: IHDR: CRC error", "a critical chunk with a bad CRC"),
    ("png-short-idat.png", png(12, 10, digit_rows(12, 5)), "refused: Not enough image data",
     "too little image data (a benign error in libpng, an error here)"),
    ("png-palette-missing.png", png(4, 4, [b"\x00\x00\x00\x00\x00"] * 4, colour=3), "refused: Missing PLTE before IDAT",
     "a palette picture without PLTE"),
    ("jpeg-cut-before-eoi.jpg", GREY_JPG[:-2], "refused: Premature end of JPEG file",
     "libjpeg's padding of a cut file (a warning, an error here)"),
    ("jpeg-cut-in-scan.jpg", GREY_JPG[:len(GREY_JPG) * 3 // 4], "refused: Premature end of JPEG file",
     "grey made up for the missing part of the scan"),
    ("jpeg-progressive-cut.jpg", RGB_PROGRESSIVE_JPG[:len(RGB_PROGRESSIVE_JPG) - 40], "refused: Premature end of JPEG file",
     "a progressive picture missing its last scans"),
    ("jpeg-soi-only.jpg", b"\xff\xd8\xff", "refused: Premature end of JPEG file", "a marker with nothing after it"),
    ("jpeg-exif-ifd-past-end.jpg", with_app1(GREY_JPG, exif(6, ifd=0x7FFFFFF0)), "accepted",
     "an EXIF IFD offset past the block (read as stored, not refused)"),
    ("jpeg-exif-cut-in-entry.jpg", with_app1(GREY_JPG, exif(6)[:22]), "accepted",
     "an EXIF block cut inside its Orientation entry"),
    ("jpeg-exif-ifd-loop.jpg", with_app1(GREY_JPG, exif(3, next_ifd=8)), "accepted",
     "an EXIF IFD whose next IFD is itself"),
    ("jpeg-exif-65535-entries.jpg", with_app1(GREY_JPG, exif(6, count=0xFFFF)), "accepted",
     "an EXIF entry count far past the block"),
    ("jpeg-exif-orientation-long.jpg", with_app1(GREY_JPG, exif(6, type_=4)), "accepted",
     "an Orientation of the wrong type (LONG): as stored"),
    ("jpeg-exif-orientation-9.jpg", with_app1(GREY_JPG, exif(9)), "accepted",
     "an Orientation outside 1..8: as stored"),
    ("jpeg-exif-header-only.jpg", with_app1(GREY_JPG, b"Exif\0\0"), "accepted",
     "an EXIF block with no TIFF data"),
    ("bmp-cut-one-byte.bmp", BMP_24[:-1], "refused: truncated file",
     "zeros in place of the missing pixels"),
    ("bmp-header-only.bmp", BMP_24[:54], "refused: truncated file", "no pixels at all"),
    ("bmp-short-header.bmp", BMP_24[:20], "refused: truncated file", "a cut info header"),
    ("bmp-offset-past-end.bmp", bmp(12, 10, offset=1 << 31), "refused: truncated file",
     "a pixel offset past the end of the file"),
    ("bmp-100000-square.bmp", bmp(100000, 100000, pixels=b""),
     "refused: image too large (100000x100000 pixels", "a huge size allocated for"),
    ("bmp-height-int-min.bmp", bmp(1, -0x80000000, pixels=b""), "refused: image too large",
     "-INT32_MIN rows"),
    ("bmp-rle8.bmp", bmp(4, 4, bpp=8, compression=1, pixels=b"\x00\x00\x00\x01"),
     "refused: compressed (RLE) BMP", "RLE data read as pixels"),
    ("bmp-palette-too-big.bmp", bmp(2, 2, bpp=1, colours=3, palette=bytes(12)),
     "refused: corrupt BMP palette (3 colours for 1-bit pixels)",
     "a palette larger than the depth allows"),
    ("bmp-index-past-palette.bmp", bmp(2, 1, bpp=8, colours=1, palette=bytes(4),
                                       pixels=b"\x00\x05\x00\x00"),
     "refused: colour 5 of a palette of 1", "a read past the palette"),
    ("bmp-mask-not-a-run.bmp", bmp(1, 1, bpp=32, compression=3,
                                   masks=struct.pack("<III", 0x00FF00FF, 0xFF00, 0xFF),
                                   pixels=bytes(4)),
     "refused: corrupt BMP colour mask", "a mask of two runs of bits"),
    ("bmp-mask-beyond-16-bits.bmp", bmp(1, 1, bpp=16, compression=3,
                                        masks=struct.pack("<III", 0x1F0000, 0x7E0, 0x1F),
                                        pixels=bytes(4)),
     "refused: corrupt BMP colour mask", "a mask with bits a 16-bit pixel does not have"),
    ("bmp-v2-alphabitfields.bmp", bmp(1, 1, bpp=32, header=52, compression=6, pixels=bytes(4)),
     "refused: corrupt BMP colour masks", "an alpha mask read past a 52-byte header"),
    ("bmp-header-64.bmp", bmp(2, 2, header=64), "refused: unsupported BMP header (64 bytes)",
     "an OS/2 2.x header read as Windows'"),
    ("pgm-cut-one-byte.pgm", PGM[:-1], "refused: truncated file",
     "uninitialised memory in place of the missing samples"),
    ("pgm-header-only.pgm", PGM[:PGM.index(b"255\n") + 4], "refused: truncated file",
     "no samples at all"),
    ("pgm-no-space-after-maxval.pgm", b"P5\n1 1\n255", "refused: truncated file in the PGM header",
     "a header cut before its last white space"),
    ("pgm-maxval-0.pgm", pnm(b"P5", 2, 2, maxval=0), "refused: maximum value 0",
     "a division by the maximum value"),
    ("pgm-maxval-65536.pgm", pnm(b"P5", 2, 2, maxval=65536), "refused: maximum value 65536",
     "samples wider than 16 bits"),
    ("ppm-16-bit-cut.ppm", pnm(b"P6", 2, 2, maxval=65535, data=bytes(23)),
     "refused: truncated file", "16-bit samples counted as 8-bit"),
    ("ppm-100000-square.ppm", b"P6\n100000 100000\n255\n\x01\x02\x03",
     "refused: image too large (100000x100000 pixels", "a huge size allocated for"),
    ("pgm-width-overflow.pgm", b"P5\n99999999999999999999 1\n255\n\x00",
     "refused: image too large", "a width that overflows while parsing"),
    ("pgm-comment-to-end.pgm", b"P5\n# no end", "refused: truncated file in the PGM header", "a comment running off the end"),
    ("gif.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "refused: a GIF file", "another format"),
    ("ascii-pgm.pgm", b"P2\n1 1\n255\n0\n", "refused: a text (P2) PGM file", "a text PNM"),
    ("text.png", b"hello, world\n", "refused: not a PNG, JPEG, BMP or PGM/PPM file",
     "not a picture"),
]

# ---- fonts (text.h): a tiny TrueType font built here (the seed of fuzz/corpus/font) --------------


def ttf_table_checksum(data):
    data += bytes(-len(data) % 4)
    return sum(struct.unpack(">%dI" % (len(data) // 4), data)) & 0xFFFFFFFF


def ttf_simple_glyph(contours):
    """A glyph of contours, each a list of (x, y, on_curve) points."""
    pts = [p for c in contours for p in c]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    out = struct.pack(">hhhhh", len(contours), min(xs), min(ys), max(xs), max(ys))
    end = -1
    for c in contours:
        end += len(c)
        out += struct.pack(">H", end)
    out += struct.pack(">H", 0)  # no instructions
    out += bytes(1 if p[2] else 0 for p in pts)  # flags: on curve or not, 16-bit deltas
    px = py = 0
    for p in pts:
        out += struct.pack(">h", p[0] - px)
        px = p[0]
    for p in pts:
        out += struct.pack(">h", p[1] - py)
        py = p[1]
    return out + bytes(len(out) % 2)


def ttf_composite_glyph(base, dx, dy, scale):
    # ARG_1_AND_2_ARE_WORDS | ARGS_ARE_XY_VALUES | WE_HAVE_A_SCALE
    return struct.pack(">hhhhhHHhhh", -1, 0, 0, 600, 700, 0x0001 | 0x0002 | 0x0008, base, dx, dy,
                       int(scale * 16384))


def tiny_ttf(upem=1000, ascender=800, descender=-200, advance=600, kern=-50, digit_height=700):
    """A TrueType font of 13 glyphs: .notdef, the ten digits (a ring with a curved top), '.' (a
    composite of a digit, scaled) and ' ' (empty); a cmap (format 4), kerning for "10"."""
    def ring(d):
        top = digit_height
        return [[(100, 0, 1), (500, 0, 1), (500, top, 1), (300, top + 60 + 10 * d, 0),
                 (100, top, 1)],
                [(200, 100, 1), (200, top - 100, 1), (400, top - 100, 1), (400, 100, 1)]]
    glyphs = [b""] + [ttf_simple_glyph(ring(d)) for d in range(10)]
    glyphs += [ttf_composite_glyph(1, 50, 0, 0.25), b""]
    loca, at = [], 0
    for g in glyphs:
        loca.append(at)
        at += len(g)
    loca.append(at)
    n = len(glyphs)
    # cmap format 4: ' ' -> 12, '.' -> 11, '0'..'9' -> 1..10, and the final 0xFFFF segment
    segs = [(0x20, 0x20, 12 - 0x20), (0x2E, 0x2E, 11 - 0x2E), (0x30, 0x39, 1 - 0x30),
            (0xFFFF, 0xFFFF, 1)]
    sub = struct.pack(">HHHHHHH", 4, 16 + 8 * len(segs), 0, 2 * len(segs), 8, 2, 0)
    sub += b"".join(struct.pack(">H", e) for _, e, _ in segs) + b"\x00\x00"
    sub += b"".join(struct.pack(">H", s) for s, _, _ in segs)
    sub += b"".join(struct.pack(">h", d) for _, _, d in segs)
    sub += bytes(2 * len(segs))
    tables = {
        b"head": struct.pack(">IIIIHHQQhhhhHHhhh", 0x00010000, 0x00010000, 0, 0x5F0F3CF5, 0x000B,
                             upem, 0, 0, 0, -200, 600, 900, 0, 8, 2, 1, 0),
        b"hhea": struct.pack(">IhhhHhhhhhhhhhhhH", 0x00010000, ascender, descender, 0, advance, 0,
                             0, 600, 1, 0, 0, 0, 0, 0, 0, 0, n),
        b"maxp": struct.pack(">IHHHHHHHHHHHHHH", 0x00010000, n, 64, 4, 64, 2, 2, 1, 0, 0, 0, 0, 0,
                             0, 1),
        b"cmap": struct.pack(">HHHHI", 0, 1, 3, 1, 12) + sub,
        b"hmtx": b"".join(struct.pack(">Hh", advance if i not in (0, 12) else advance // 2, 100)
                          for i in range(n)),
        b"loca": b"".join(struct.pack(">I", x) for x in loca),
        b"glyf": b"".join(glyphs),
        # format 0, one pair: glyph 2 ('1') then glyph 1 ('0')
        b"kern": struct.pack(">HHHHHHHHHHHh", 0, 1, 0, 20, 0x0001, 1, 6, 0, 0, 2, 1, kern),
        b"name": struct.pack(">HHH", 0, 0, 6),
        b"post": struct.pack(">IIhhIIIII", 0x00030000, 0, -100, 50, 0, 0, 0, 0, 0),
    }
    tags = sorted(tables)
    out = struct.pack(">IHHHH", 0x00010000, len(tags), 128, 3, len(tags) * 16 - 128)
    offset = 12 + 16 * len(tags)
    body = b""
    for t in tags:
        data = tables[t]
        out += t + struct.pack(">III", ttf_table_checksum(data), offset + len(body), len(data))
        body += data + bytes(-len(data) % 4)
    return out + body


TTF = tiny_ttf()


def ttf_patch(font, tag, at, fmt, value):
    """font with value packed (struct format fmt) at offset `at` of table tag."""
    n = struct.unpack(">H", font[4:6])[0]
    for i in range(n):
        t, _, off, _ = struct.unpack(">4sIII", font[12 + 16 * i:28 + 16 * i])
        if t == tag:
            b = bytearray(font)
            struct.pack_into(fmt, b, off + at, value)
            return bytes(b)
    raise KeyError(tag)


FONT_SEEDS = [("tiny.ttf", TTF)]

FONT = [
    ("tiny.ttf", TTF, "accepted", "the seed: a font that must stay usable"),
    ("empty.ttf", b"", "refused: not a font FreeType can read", "nothing at all"),
    ("directory-only.ttf", TTF[:12 + 16 * 10], "refused: not a font FreeType can read", "tables past the end"),
    ("cut-in-glyf.ttf", TTF[:len(TTF) - 300], "refused: not a font FreeType can read", "outlines past the end"),
    ("upem-8.ttf", ttf_patch(TTF, b"head", 18, ">H", 8), "refused: not a font FreeType can read", "a scale of px/8 per unit"),
    ("ascender-huge.ttf", ttf_patch(TTF, b"hhea", 4, ">h", 32767),
     "refused: ascender or descender out of range", "a text image 33 em high"),
    ("descender-positive.ttf", ttf_patch(TTF, b"hhea", 6, ">h", 500),
     "refused: ascender or descender out of range", "a negative text image height"),
    ("advance-max.ttf", ttf_patch(TTF, b"hmtx", 4, ">H", 65535), "accepted",
     "a 65 em advance sizing the text image: clamped to 4 em"),
    ("kern-huge.ttf", ttf_patch(TTF, b"kern", 18, ">h", -32768), "accepted",
     "a kerning of -33 em: clamped to 1 em"),
    ("digit-tall.ttf", tiny_ttf(digit_height=30000),
     "refused: the glyph of '0' has an absurd height", "digits 30 em high"),
    ("no-cmap.ttf", ttf_patch(TTF, b"cmap", 4, ">H", 7), "refused: no Unicode character map", "no Unicode character map"),
    ("numglyphs-zero.ttf", ttf_patch(TTF, b"maxp", 4, ">H", 0), "refused: no glyph for a digit", "no glyphs"),
    ("loca-past-glyf.ttf", ttf_patch(TTF, b"loca", 8, ">I", 1 << 30), "refused: the glyph of '0' has an absurd height",
     "an outline offset past the glyf table"),
]


def write(target, cases):
    folder = os.path.join(ROOT, target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    names = set()
    lines = ["# fuzz/regressions/%s: <file>\\t<verdict>\\t<what it guards against>, written by"
             " fuzz/make_regressions.py" % target,
             "# the verdict: accepted, or refused: <a fragment of the refusal's message>"]
    for name, data, verdict, why in cases:
        assert name not in names and "\t" not in verdict + why, name
        names.add(name)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        lines.append("%s\t%s\t%s" % (name, verdict, why))
    with open(os.path.join(ROOT, target + ".tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("%s: %d inputs, %d bytes" % (folder, len(cases), sum(len(c[1]) for c in cases)))


def write_seeds(target, seeds):
    folder = os.path.join(os.path.dirname(ROOT), "corpus", target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name, data in seeds:
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    print("%s: %d seeds" % (folder, len(seeds)))


if __name__ == "__main__":
    write("idx", IDX)
    write("ckpt", CKPT)
    write("image", IMAGE)
    write("font", FONT)
    write_seeds("image", IMAGE_SEEDS)
    write_seeds("font", FONT_SEEDS)
