#!/usr/bin/python3
"""Writes the regression inputs of the two parsers of untrusted files: fuzz/regressions/idx/ and
fuzz/regressions/ckpt/, and beside them idx.tsv and ckpt.tsv, which say for each input whether
the parsers accept it or, if they refuse it, a fragment of the message they refuse it with
(tests/io/test_fuzz_regressions.c checks both, through the contract checks of fuzz/contract_*.c;
scripts/fuzz.sh also hands the folders to libFuzzer as inputs).

Each input is a malformed or borderline file of a kind that breaks parsers: truncation at every
level, lengths and counts that overflow 32 or 64 bits, sizes that match only modulo 2^32,
duplicate keys, offsets past the end, overlaps and holes, NaN and infinities, bad UTF-8 and NUL
escapes, gzip streams that are cut, corrupt, followed by garbage or a bomb. When the fuzzer
finds an input that breaks a parser, add it here (as a bytes literal, with what it broke) so
that it stays a regression test.

Usage: fuzz/make_regressions.py   (rewrites both folders; standard library only, deterministic)
"""

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
    ("labels-10-last.idx1", labels([1, 2, 10]), "refused: label 10 at index 2",
     "a label out of 0..9 beyond the first (or beyond a load's limit)"),
    ("labels-255.idx1", labels([255]), "refused: label 255 at index 0",
     "a label read as a signed char"),
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
    ("gz-label-out-of-range.idx1.gz", gzip(labels([3, 11])), "refused: label 11 at index 1",
     "the decompressed file not checked like a raw one"),
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
    ("metadata-crc-missing.ckpt", ckpt(meta=[("lr", "nan")], seal=False),
     "refused: no metadata_crc32 beside crc32", "metadata outside the checksum trusted"),
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


if __name__ == "__main__":
    write("idx", IDX)
    write("ckpt", CKPT)
