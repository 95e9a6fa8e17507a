#!/usr/bin/python3
"""Measures `resnet-mnist predict` on the picture set scripts/make_predict_set.py generated: runs
the program on every picture of the manifest (many pictures per process; single digits with
`predict --json`, whole numbers with `predict --number --json`), compares with the truth and
prints the accuracy per kind and part, and the most frequent mistakes. A whole number is right
only when the whole string is.

  scripts/eval_predict.py --weights out/model-e2/best.bin
  scripts/eval_predict.py --bin build/resnet-mnist --weights W --set out/predict-set \\
      --part heldout --failures fails.csv --montage fails.png --by format

--failures FILE writes every wrong picture (file,kind,part,truth,predicted,confidence);
--montage FILE.png draws up to --montage-max of them: the picture, what the network saw
(`predict --show`) and the truth and prediction. --by COLUMN adds the accuracy per value of a
manifest column (format, board, orient, ...; numeric columns in four bins). --clean measures the
same digits without any damage instead (for a handwritten digit the MNIST image itself): what
the network can do with a perfect preparation.

Needs Debian's python3-numpy and python3-pil only for --montage (run with /usr/bin/python3).
Exit status 0 when every picture was predicted, 1 on a failure, 2 on a usage error.
"""
import argparse
import collections
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ["hand", "print", "number"]
KIND_NAMES = {"hand": "single handwritten", "print": "single printed", "number": "whole numbers",
              "single": "single digits (both)"}


def fail(msg):
    sys.exit("eval_predict.py: " + msg)


def run_predict(args, files, number):
    """{file: (predicted string, confidence)} for the files a run predicted, and None when the
    program refused the mode itself (a usage error: --number not there yet)."""
    cmd = [args.bin, "predict", "--weights", args.weights, "--json"]
    if number:
        cmd.insert(2, "--number")
    out = {}
    for i in range(0, len(files), args.batch):
        chunk = files[i:i + args.batch]
        proc = subprocess.run(cmd + chunk, capture_output=True, text=True)
        if proc.returncode == 2:
            first = proc.stderr.strip().splitlines()[:1]
            print("eval_predict.py: %s refused: %s" % (" ".join(cmd[1:3]), first[0] if first
                                                         else "exit status 2"), file=sys.stderr)
            return None
        for line in proc.stdout.splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            f = obj.get("file")
            if number:
                pred = obj.get("number")
                if pred is None:
                    continue
                probs = [max(d.get("probabilities", [0])) for d in obj.get("digits", [])]
                conf = min(probs) if probs else 0.0
                out[f] = (str(pred), conf)
            else:
                d = obj.get("digit")
                p = obj.get("probabilities") or []
                out[f] = (str(d), p[d] if isinstance(d, int) and 0 <= d < len(p) else 0.0)
    return out


def bins_of(rows, col):
    """A function mapping a row to (sort key, name) of its bin for column col."""
    vals = []
    for r in rows:
        try:
            vals.append(float(r[col]))
        except (ValueError, KeyError):
            return lambda r: (r.get(col, "") or "-", r.get(col, "") or "-")
    distinct = sorted(set(vals))
    if len(distinct) <= 6:
        return lambda r: (float(r[col]), r[col])
    vals.sort()
    edges = sorted({vals[len(vals) * k // 4] for k in (1, 2, 3)} - {vals[0]})

    def name(r):
        v = float(r[col])
        lo = vals[0]
        for e in edges:
            if v < e:
                return lo, "[%g, %g)" % (lo, e)
            lo = e
        return lo, "[%g, %g]" % (lo, vals[-1])
    return name


def montage(args, fails, path):
    try:
        from PIL import Image, ImageDraw, ImageOps
    except ImportError:
        fail("--montage needs PIL (apt-get install python3-pil, then run with /usr/bin/python3)")
    rows_h, tiles = 96, []
    with tempfile.TemporaryDirectory() as tmp:
        for r in fails[:args.montage_max]:
            seen_path = os.path.join(tmp, "seen.png")
            cmd = [args.bin, "predict", "--weights", args.weights, "--show", seen_path]
            if r["kind"] == "number":
                cmd.insert(2, "--number")
            if os.path.exists(seen_path):
                os.remove(seen_path)
            subprocess.run(cmd + [r["path"]], capture_output=True)
            pic = ImageOps.exif_transpose(Image.open(r["path"])).convert("RGB")
            pic.thumbnail((rows_h * 3, rows_h))
            seen = Image.open(seen_path).convert("RGB") if os.path.exists(seen_path) else None
            if seen is not None:
                scale = rows_h / seen.height
                seen = seen.resize((max(1, int(seen.width * scale)), rows_h), Image.NEAREST)
            w = pic.width + 8 + (seen.width if seen else 0) + 8 + 260
            tile = Image.new("RGB", (w, rows_h + 4), (255, 255, 255))
            tile.paste(pic, (0, 2))
            if seen is not None:
                tile.paste(seen, (pic.width + 8, 2))
            x = tile.width - 260
            d = ImageDraw.Draw(tile)
            d.text((x, 10), os.path.basename(r["path"]), fill=(0, 0, 0))
            d.text((x, 30), "truth %s" % r["truth"], fill=(0, 110, 0))
            d.text((x, 50), "predicted %s" % r["predicted"], fill=(170, 0, 0))
            tiles.append(tile)
    if not tiles:
        return 0
    width, height = max(t.width for t in tiles), max(t.height for t in tiles)
    cols = max(1, min(len(tiles), 1600 // width))
    rows = -(-len(tiles) // cols)
    out = Image.new("RGB", (cols * width, rows * height), (255, 255, 255))
    for i, t in enumerate(tiles):
        out.paste(t, ((i % cols) * width, (i // cols) * height))
    out.save(path)
    return len(tiles)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "resnet-mnist"))
    ap.add_argument("--weights", default=os.path.join(ROOT, "out", "model-e2", "best.bin"))
    ap.add_argument("--set", default=os.path.join(ROOT, "out", "predict-set"))
    ap.add_argument("--part", default="", help="only this part (dev or heldout)")
    ap.add_argument("--kind", default="", help="only this kind (hand, print, number)")
    ap.add_argument("--batch", type=int, default=200, help="pictures per process")
    ap.add_argument("--failures", help="write the wrong pictures to this CSV file")
    ap.add_argument("--montage", help="draw the first wrong pictures into this PNG file")
    ap.add_argument("--montage-max", type=int, default=40)
    ap.add_argument("--by", action="append", default=[], help="also by this manifest column")
    ap.add_argument("--json", action="store_true", help="print the table as one JSON object")
    ap.add_argument("--clean", action="store_true",
                    help="measure the same digits without damage instead (the ceiling)")
    args = ap.parse_args()
    if args.batch < 1:
        ap.error("--batch must be >= 1")

    manifest = os.path.join(args.set, "manifest.csv")
    if not os.path.isfile(manifest):
        fail("%s: no picture set there (make one with scripts/make_predict_set.py --out %s)"
             % (manifest, args.set))
    if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
        fail("%s: no program there (build it: cmake --build build, or give --bin)" % args.bin)
    if not os.path.isfile(args.weights):
        fail("%s: no checkpoint there (train one, or give --weights)" % args.weights)
    with open(manifest, newline="") as f:
        rows = [r for r in csv.DictReader(f)
                if (not args.part or r["part"] == args.part)
                and (not args.kind or r["kind"] == args.kind)]
    if not rows:
        fail("%s: no picture matches --part %r --kind %r" % (manifest, args.part, args.kind))
    for col in args.by:
        if col not in rows[0]:
            fail("--by %s: no such column in %s (%s)" % (col, manifest, ", ".join(rows[0])))
    for r in rows:
        if args.clean and not r.get("clean"):
            fail("%s: no clean pictures in this set (regenerate it)" % manifest)
        r["path"] = os.path.join(args.set, r["clean"] if args.clean else r["file"])
        if not os.path.isfile(r["path"]):
            fail("%s: missing (regenerate the set)" % r["path"])

    singles = [r["path"] for r in rows if r["kind"] != "number"]
    numbers = [r["path"] for r in rows if r["kind"] == "number"]
    got_single = run_predict(args, singles, False) if singles else {}
    got_number = run_predict(args, numbers, True) if numbers else {}
    predicted_all = True
    for r in rows:
        got = got_number if r["kind"] == "number" else got_single
        if got is None:
            r["predicted"], r["confidence"], r["ok"] = "n/a", 0.0, None
            continue
        pred, conf = got.get(r["path"], ("error", 0.0))
        predicted_all &= pred != "error"
        r["predicted"], r["confidence"] = pred, conf
        r["ok"] = pred == r["truth"]

    parts = sorted({r["part"] for r in rows}, key=lambda p: (p != "dev", p))
    table = collections.OrderedDict()
    for kind in KINDS + ["single"]:
        for part in parts:
            sel = [r for r in rows if r["part"] == part and
                   (r["kind"] == kind or (kind == "single" and r["kind"] != "number"))]
            if not sel:
                continue
            if any(r["ok"] is None for r in sel):
                table[(kind, part)] = None
            else:
                table[(kind, part)] = (sum(r["ok"] for r in sel), len(sel))

    if args.json:
        print(json.dumps({"%s/%s" % k: (None if v is None else {"right": v[0], "total": v[1]})
                          for k, v in table.items()}))
    else:
        print("%-22s %s" % ("kind", "".join("%-20s" % p for p in parts)))
        for kind in KINDS + ["single"]:
            cells = []
            for part in parts:
                v = table.get((kind, part), "absent")
                if v == "absent":
                    cells.append("%-20s" % "-")
                elif v is None:
                    cells.append("%-20s" % "n/a")
                else:
                    cells.append("%-20s" % ("%d/%d %.1f%%" % (v[0], v[1], 100.0 * v[0] / v[1])))
            if any(c.strip() != "-" for c in cells):
                print("%-22s %s" % (KIND_NAMES[kind], "".join(cells)))

        wrong = [r for r in rows if r["ok"] is False]
        pairs = collections.Counter((r["truth"], r["predicted"]) for r in wrong
                                    if r["kind"] != "number")
        if pairs:
            print("\nsingle digits most often wrong (truth -> predicted: count):")
            print("  " + ", ".join("%s->%s: %d" % (t, p, n) for (t, p), n in pairs.most_common(12)))
        nums = [r for r in wrong if r["kind"] == "number"]
        if nums:
            lens = collections.Counter()
            digit_pairs = collections.Counter()
            for r in nums:
                t, p = r["truth"], r["predicted"]
                if p == "error":
                    lens["no result (an error)"] += 1
                elif len(p) == len(t):
                    lens["right length, wrong digit"] += 1
                    digit_pairs.update((a, b) for a, b in zip(t, p) if a != b)
                elif len(p) < len(t):
                    lens["too few digits"] += 1
                else:
                    lens["too many digits"] += 1
            print("\nwhole numbers wrong: " + ", ".join("%s %d" % kv for kv in lens.most_common()))
            if digit_pairs:
                print("  digits confused (same length): " + ", ".join(
                    "%s->%s: %d" % (t, p, n) for (t, p), n in digit_pairs.most_common(10)))
        for col in args.by:
            name = bins_of(rows, col)
            groups = collections.defaultdict(list)
            for r in rows:
                if r["ok"] is not None:
                    groups[(r["kind"], name(r))].append(r["ok"])
            print("\nby %s:" % col)
            for (kind, (_, b)), oks in sorted(groups.items()):
                print("  %-7s %-22s %d/%d %.1f%%" % (kind, b, sum(oks), len(oks),
                                                      100.0 * sum(oks) / len(oks)))

    fails = [r for r in rows if r["ok"] is False]
    if args.failures:
        with open(args.failures, "w", newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["file", "kind", "part", "truth", "predicted", "confidence"])
            for r in fails:
                wr.writerow([os.path.relpath(r["path"], args.set), r["kind"], r["part"],
                             r["truth"], r["predicted"], "%.4f" % r["confidence"]])
    if args.montage:
        n = montage(args, fails, args.montage)
        print("\nwrote %s: %d wrong pictures" % (args.montage, n) if n else
              "\nno wrong picture: %s not written" % args.montage)
    return 0 if predicted_all else 1


if __name__ == "__main__":
    sys.exit(main())
