#!/usr/bin/python3
"""Generates a realistic picture set for `resnet-mnist predict`: digits photographed or scanned on
paper, with the damage real pictures have, and a manifest with the truth. Nothing it writes goes
into git (the default folder, out/predict-set/, is git-ignored).

Kinds of picture:
  hand    one MNIST test digit, enlarged smoothly and thresholded softly so it looks like ink
  print   one digit rendered with a font found by fontconfig (fc-list), in several weights
  number  2 to 7 digits written left to right (MNIST test digits, some printed), spaced variably,
          sometimes touching, with a jittered baseline
Damage, each at a random strength: paper colour and grain, a lighting gradient and vignette, a
shadow, specks, a paper edge or the table in part of the frame, Gaussian blur (up to 3.5% of the
digits' height), rotation up to +-10 degrees, JPEG at quality 30 to 90 or PNG, 60 to 2000 pixels
on the long side (each digit at least 16 pixels tall), some light ink on a dark board, some JPEGs
stored rotated with an EXIF orientation tag (as phones do).

Parts: `dev` (to choose methods) takes MNIST test digits 0-4999, `heldout` (to quote) 5000-9999;
each part has its own random stream. The same --seed and installed fonts give the same set.

Needs Debian's python3-numpy and python3-pil (run with /usr/bin/python3) and the MNIST test files
(scripts/fetch_mnist.sh). More fonts make the printed digits more varied:
  apt-get install fonts-dejavu-core fonts-liberation fonts-freefont-ttf fonts-urw-base35

  scripts/make_predict_set.py                         # out/predict-set/, both parts
  scripts/make_predict_set.py --out DIR --seed 3 --hand 100 --print 50 --number 50

Writes DIR/<part>/<kind>-NNNN.{png,jpg}, DIR/manifest.csv (file,kind,truth,part and how each
picture was made) and, for a ceiling, the same digits without any damage in
DIR/<part>/clean/<kind>-NNNN.png (manifest column clean; a handwritten one is the MNIST image). Exit status 0, 1 on a failure, 2 on a usage error.
"""
import argparse
import csv
import gzip
import math
import multiprocessing
import os
import shutil
import struct
import subprocess
import sys
import time

try:
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont
except ImportError:
    sys.exit("make_predict_set.py: numpy or PIL is missing (apt-get install python3-numpy "
             "python3-pil, then run with /usr/bin/python3)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTS = {"dev": (0, 0, 5000), "heldout": (1, 5000, 10000)}  # stream id, MNIST test range
MIN_DIGIT = 16  # the smallest height of a digit in a picture, in pixels
REF = 112  # height in pixels at which a digit's shape is composed, before scaling to the picture
MANIFEST_FIELDS = ["file", "kind", "truth", "part", "source", "width", "height", "format",
                   "quality", "grey", "angle", "blur", "board", "edge", "shadow", "light",
                   "specks", "orient", "stroke", "touching", "clean"]


# ---------------------------------------------------------------------------------------------
# Inputs: MNIST test digits and fonts


def read_idx(data_dir, name):
    """The array stored in data_dir/name or data_dir/name.gz (IDX format)."""
    for path, opener in ((os.path.join(data_dir, name), open),
                         (os.path.join(data_dir, name + ".gz"), gzip.open)):
        if os.path.isfile(path):
            with opener(path, "rb") as f:
                raw = f.read()
            break
    else:
        sys.exit("make_predict_set.py: %s: not found (run scripts/fetch_mnist.sh, or give --data)"
                 % os.path.join(data_dir, name))
    magic, = struct.unpack(">I", raw[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find_fonts():
    """Font files with the ten digits, as (file, style), sorted by file name."""
    try:
        out = subprocess.run(["fc-list", ":charset=30-39", "file", "style"], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        out = ""
    fonts = {}
    for line in sorted(out.splitlines()):
        path, _, style = line.partition(":")
        path = path.strip()
        style = style.replace("style=", "").split(",")[0].strip()
        stem, ext = os.path.splitext(os.path.basename(path))
        if ext.lower() not in (".ttf", ".otf"):
            continue  # the Type 1 copies (.t1, .pfb) of the same faces
        if any(bad in stem.lower() for bad in ("math", "symbol", "dingbat", "emoji", "d050000l",
                                                "z003")):
            continue  # no digits, or calligraphic ones (Z003 is URW's Zapf Chancery)
        fonts.setdefault(stem, (path, style))
    fonts = dict(fonts.values())
    if not fonts:
        sys.exit("make_predict_set.py: no font with digits found by fc-list "
                 "(apt-get install fontconfig fonts-dejavu-core)")
    return sorted(fonts.items())


# ---------------------------------------------------------------------------------------------
# Shapes: a float field v (0..1) at the reference scale; ink is a soft threshold of it later


def mnist_shape(img, height):
    """An MNIST digit cropped to its ink and enlarged smoothly to `height` pixels (bicubic)."""
    ys, xs = np.nonzero(img > 0)
    crop = img[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32) / 255.0
    crop = np.pad(crop, 1)
    scale = height / crop.shape[0]
    w = max(1, round(crop.shape[1] * scale))
    out = Image.fromarray(crop, "F").resize((w, round(height + 2 * scale)), Image.BICUBIC)
    return np.clip(np.asarray(out), 0.0, 1.0)


def text_shape(text, font_path, height):
    """`text` rendered with a font, cropped to its ink, scaled so its digits are `height` tall."""
    font = ImageFont.truetype(font_path, 200)
    box = font.getbbox(text)
    im = Image.new("L", (box[2] - box[0] + 40, box[3] - box[1] + 40), 0)
    ImageDraw.Draw(im).text((20 - box[0], 20 - box[1]), text, fill=255, font=font)
    a = np.asarray(im, dtype=np.float32) / 255.0
    ys, xs = np.nonzero(a > 0.05)
    a = np.pad(a[ys.min():ys.max() + 1, xs.min():xs.max() + 1], 2)
    scale = height / a.shape[0]
    w = max(1, round(a.shape[1] * scale))
    return np.asarray(Image.fromarray(a, "F").resize((w, max(1, round(height))), Image.LANCZOS))


def number_shape(rng, digits, images, fonts, printed):
    """Digits side by side: variable gaps (some touching or overlapping), jittered baseline.
    Returns the shape, its source and how many gaps were drawn touching (MNIST digits only)."""
    if printed:
        font = fonts[rng.integers(len(fonts))][0]
        return (text_shape("".join(str(d) for d in digits), font, REF), os.path.basename(font),
                "")
    parts = []
    for img in images:
        parts.append(mnist_shape(img, REF * rng.uniform(0.85, 1.1)))
    gaps = []
    for _ in range(len(parts) - 1):
        if rng.random() < 0.2:
            gaps.append(REF * rng.uniform(-0.12, 0.0))  # touching or slightly overlapping
        else:
            gaps.append(REF * rng.uniform(0.04, 0.5))
    jitter = [REF * rng.uniform(-0.07, 0.07) for _ in parts]
    width = int(sum(p.shape[1] for p in parts) + sum(gaps) + 4)
    height = int(max(p.shape[0] + j for p, j in zip(parts, jitter)) - min(jitter) + 4)
    canvas = np.zeros((height, max(width, 1)), np.float32)
    x = 2.0
    for i, p in enumerate(parts):
        y = int(round(2 + jitter[i] - min(jitter) + (REF * 1.1 - p.shape[0]) / 2))
        y = min(max(y, 0), height - p.shape[0])
        xi = min(max(int(round(x)), 0), canvas.shape[1] - p.shape[1])
        region = canvas[y:y + p.shape[0], xi:xi + p.shape[1]]
        np.maximum(region, p, out=region)
        x += p.shape[1] + (gaps[i] if i < len(gaps) else 0)
    ys, xs = np.nonzero(canvas > 0.02)
    touching = sum(1 for g in gaps if g <= 0)
    return np.pad(canvas[ys.min():ys.max() + 1, xs.min():xs.max() + 1], 2), "mnist", touching


def rotate(v, angle):
    im = Image.fromarray(v.astype(np.float32), "F").rotate(angle, Image.BICUBIC, expand=True)
    return np.clip(np.asarray(im), 0.0, 1.0)


# ---------------------------------------------------------------------------------------------
# The photograph: paper, light, shadow, specks, edge, blur, file format


def grid(w, h):
    """Row and column coordinates, broadcastable to h x w."""
    return (np.arange(h, dtype=np.float32)[:, None], np.arange(w, dtype=np.float32)[None, :])


def grain_noise(rng, w, h):
    """Per-pixel noise (standard normal) for a w x h frame: a random window of a 1024 x 1024
    tile drawn once per seed, mirrored at random (drawing every pixel anew is slow)."""
    tile = _TILE[0]
    big = tile if h <= 1024 and w <= 1024 else np.tile(tile, (-(-h // 1024), -(-w // 1024)))
    y, x = int(rng.integers(0, big.shape[0] - h + 1)), int(rng.integers(0, big.shape[1] - w + 1))
    out = big[y:y + h, x:x + w]
    if rng.random() < 0.5:
        out = out[::-1]
    if rng.random() < 0.5:
        out = out[:, ::-1]
    return out


_TILE = [None]  # set by main() from --seed


def smooth_noise(rng, w, h, cells):
    """Low-frequency noise in about -1..1, `cells` blobs across the long side."""
    gw = max(2, int(cells * w / max(w, h)) + 2)
    gh = max(2, int(cells * h / max(w, h)) + 2)
    small = rng.standard_normal((gh, gw)).astype(np.float32)
    return np.asarray(Image.fromarray(small, "F").resize((w, h), Image.BICUBIC))


def half_plane(w, h, side, frac, tilt, soft):
    """A soft mask (0..1) of the straight-edged region entering the frame from `side` (0 left,
    1 right, 2 top, 3 bottom) to depth frac (of the frame), its edge tilted by `tilt`."""
    yy, xx = grid(w, h)
    if side == 0:
        d = frac * w - xx + tilt * (yy - h / 2)
    elif side == 1:
        d = xx - (1 - frac) * w + tilt * (yy - h / 2)
    elif side == 2:
        d = frac * h - yy + tilt * (xx - w / 2)
    else:
        d = yy - (1 - frac) * h + tilt * (xx - w / 2)
    return np.clip(d / np.float32(max(soft, 1e-3)) + np.float32(0.5), 0.0, 1.0)


def edge_region(rng, w, h, box):
    """(side, frac, tilt) of a paper edge that stays clear of the content box (x0, y0, x1, y1),
    or None when there is no room for one."""
    x0, y0, x1, y1 = box
    room = [x0, w - x1, y0, h - y1]
    side = int(rng.integers(4))
    tilt = float(rng.uniform(-0.25, 0.25))
    frame, along = (w, h) if side < 2 else (h, w)
    frac = min(rng.uniform(0.03, 0.2), (room[side] - 2 - abs(tilt) * along / 2) / frame)
    if frac < 0.02:
        return None
    return side, frac, tilt


def photograph(rng, v, long_side, fill, aspect, rec):
    """Places the shape v in a frame of about `long_side` pixels and makes the picture (a PIL
    RGB image). A digit is at least MIN_DIGIT pixels tall: a frame too small for that grows."""
    vh, vw = v.shape
    for _ in range(2):
        if aspect >= 1:
            w, h = long_side, max(8, round(long_side / aspect))
        else:
            w, h = max(8, round(long_side * aspect)), long_side
        scale = min(fill * h / vh, 0.92 * w / vw, 0.92 * h / vh)
        if scale * REF >= MIN_DIGIT:
            break
        long_side = int(math.ceil(long_side * MIN_DIGIT / (scale * REF)))
    sw, sh = max(1, round(vw * scale)), max(1, round(vh * scale))
    shape = np.asarray(Image.fromarray(v, "F").resize((sw, sh), Image.BICUBIC))
    canvas = np.zeros((h, w), np.float32)
    x0 = int(rng.integers(0, max(1, w - sw) + 1)) if w > sw else 0
    y0 = int(rng.integers(0, max(1, h - sh) + 1)) if h > sh else 0
    # keep the content mostly central: pull the offset halfway back to the centre
    x0 = (x0 + (w - sw) // 2) // 2
    y0 = (y0 + (h - sh) // 2) // 2
    canvas[y0:y0 + sh, x0:x0 + sw] = shape[:h - y0, :w - x0]

    # stroke: soft threshold; a high threshold thins the stroke (a fine pen), a low one thickens
    t = rec["stroke"]
    if scale * REF < 60:
        t = min(t, 0.4)  # small digits: keep thin strokes from vanishing
    ink = np.clip((canvas - np.float32(t)) / np.float32(0.18) + np.float32(0.5), 0.0, 1.0)

    board = rec["board"]
    if board:
        paper = np.array([rng.uniform(25, 60), rng.uniform(35, 75), rng.uniform(25, 55)])
        ink_rgb = np.array([rng.uniform(200, 245)] * 3) - rng.uniform(0, 15, 3)
        alpha = rng.uniform(0.65, 0.95)
        # chalk is patchy
        ink = ink * np.clip(1 - 0.5 * np.abs(grain_noise(rng, w, h)) *
                            np.float32(rng.uniform(0.1, 0.6)), 0, 1)
    else:
        base = rng.uniform(190, 250)
        tint = rng.uniform(-12, 12, 3) * np.array([1.0, 0.7, 1.2])
        paper = np.clip(base + tint, 0, 255)
        pen = rng.integers(4)
        if pen == 0:
            ink_rgb = rng.uniform(5, 40, 3)  # black
        elif pen == 1:
            ink_rgb = np.array([rng.uniform(10, 50), rng.uniform(20, 70), rng.uniform(90, 170)])
        elif pen == 2:
            ink_rgb = np.array([rng.uniform(60, 110)] * 3)  # pencil
        else:
            ink_rgb = np.array([rng.uniform(20, 60)] * 3)
        alpha = rng.uniform(0.55, 1.0) if pen == 2 else rng.uniform(0.8, 1.0)

    # specks: dark dots of a few pixels, anywhere on the paper (some on the digit)
    specks = int(rng.poisson(rng.choice([0, 2, 6, 15])))
    rec["specks"] = specks
    if specks:
        sp = Image.new("L", (w, h), 0)
        draw = ImageDraw.Draw(sp)
        unit = max(1.0, long_side / 500)
        for _ in range(specks):
            r = rng.uniform(0.6, 2.5) * unit
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=int(rng.uniform(120, 255)))
        ink = np.maximum(ink, np.asarray(sp, np.float32) / 255.0)

    paper, ink_rgb = paper.astype(np.float32), ink_rgb.astype(np.float32)
    a = ink[..., None] * np.float32(alpha)
    img = paper[None, None, :] * (1 - a) + ink_rgb[None, None, :] * a

    # grain and blotches of the paper
    grain = rng.uniform(0, 10)
    img += grain_noise(rng, w, h)[..., None] * np.float32(grain)
    img += smooth_noise(rng, w, h, rng.uniform(3, 12))[..., None] * rng.uniform(0, 8)

    # paper edge: the table (or the board's frame) in part of the frame
    rec["edge"] = 0.0
    region = edge_region(rng, w, h, (x0, y0, x0 + sw, y0 + sh)) if rng.random() < 0.3 else None
    if region is not None:
        side, frac, tilt = region
        rec["edge"] = round(frac, 3)
        m = half_plane(w, h, side, frac, tilt, rng.uniform(0.5, 2.0))
        table = np.array([rng.uniform(20, 110), rng.uniform(15, 90), rng.uniform(10, 80)],
                         np.float32)
        table_img = table[None, None, :] + smooth_noise(rng, w, h, 20)[..., None] * 12
        img = img * (1 - m[..., None]) + table_img * m[..., None]

    # lighting: a gradient in a random direction and a vignette
    yy, xx = grid(w, h)
    th = rng.uniform(0, 2 * math.pi)
    g = ((xx / w - 0.5) * math.cos(th) + (yy / h - 0.5) * math.sin(th))
    light = rng.choice([0.0, rng.uniform(0.05, 0.25), rng.uniform(0.25, 0.6)])
    vig = rng.uniform(0, 0.5) if rng.random() < 0.5 else 0.0
    rr = ((xx / w - 0.5) ** 2 + (yy / h - 0.5) ** 2) * 2
    lum = (1 - light * (g + 0.5)) * (1 - vig * rr)
    rec["light"] = round(float(light), 3)

    # a shadow (hand, phone) over part of the frame
    rec["shadow"] = 0.0
    if rng.random() < 0.3:
        depth = rng.uniform(0.2, 0.5)
        rec["shadow"] = round(depth, 3)
        m = half_plane(w, h, int(rng.integers(4)), rng.uniform(0.15, 0.6),
                       rng.uniform(-0.25, 0.25), rng.uniform(0.02, 0.15) * long_side)
        lum = lum * (1 - depth * m)
    img = img * lum[..., None]

    pic = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    # blur in proportion to the digits' height (stroke width is about a tenth of it)
    blur = rng.choice([0.0, rng.uniform(0.004, 0.015), rng.uniform(0.015, 0.035)]) * scale * REF
    rec["blur"] = round(float(blur), 2)
    if blur > 0:
        pic = pic.filter(ImageFilter.GaussianBlur(blur))
    rec["width"], rec["height"] = w, h
    return pic


def save(rng, pic, path_noext, rec):
    """Writes the picture as JPEG (quality 30-90, some with an EXIF orientation) or PNG."""
    rec["grey"] = int(rng.random() < 0.2)
    if rec["grey"]:
        pic = pic.convert("L")
    rec["orient"] = 1
    if rng.random() < 0.7:
        q = int(rng.integers(30, 91))
        rec["format"], rec["quality"] = "jpeg", q
        exif = None
        if rng.random() < 0.15:
            # stored as the sensor saw it; the tag says how to turn it upright
            o = int(rng.choice([3, 6, 8]))
            pic = pic.transpose({3: Image.ROTATE_180, 6: Image.ROTATE_90,
                                 8: Image.ROTATE_270}[o])
            exif = Image.Exif()
            exif[0x0112] = o
            rec["orient"] = o
        path = path_noext + ".jpg"
        if exif is not None:
            pic.save(path, "JPEG", quality=q, exif=exif.tobytes())
        else:
            pic.save(path, "JPEG", quality=q)
    else:
        rec["format"], rec["quality"] = "png", ""
        path = path_noext + ".png"
        pic.save(path, "PNG", compress_level=1)
    return path


def long_side(rng):
    return int(round(math.exp(rng.uniform(math.log(60), math.log(2000)))))


KIND_IDS = {"hand": 0, "print": 1, "number": 2}
ASPECTS = [0.75, 1.0, 1.33, 0.56, 1.78]
_INPUT = {}  # images, labels, fonts, out: set by main(), shared with the worker processes


def make_picture(task):
    """Makes picture i of one kind and part, from its own random stream (so a picture does not
    depend on how many others are made), and returns its manifest row."""
    seed, part, kind, i = task
    stream, lo, hi = PARTS[part]
    images, labels, fonts = _INPUT["images"], _INPUT["labels"], _INPUT["fonts"]
    rng = np.random.default_rng([seed, stream, KIND_IDS[kind], i])
    rec = {"kind": kind, "part": part, "file": "", "truth": "", "source": "", "quality": "",
           "touching": "",
           "board": int(rng.random() < 0.05), "angle": 0.0,
           "stroke": round(float(rng.uniform(0.15, 0.5)), 3)}
    printed_stroke = round(float(rng.uniform(0.35, 0.6)), 3)
    if kind == "hand":
        k = int(rng.integers(lo, hi))
        rec["truth"], rec["source"] = str(int(labels[k])), "mnist:%d" % k
        v, fill, aspect = mnist_shape(images[k], REF), rng.uniform(0.2, 0.8), rng.choice(ASPECTS)
    elif kind == "print":
        d = int(rng.integers(10))
        font = fonts[rng.integers(len(fonts))][0]
        rec["truth"], rec["source"], rec["stroke"] = str(d), os.path.basename(font), printed_stroke
        v, fill, aspect = text_shape(str(d), font, REF), rng.uniform(0.15, 0.8), rng.choice(ASPECTS)
    else:
        n = int(rng.integers(2, 8))
        printed = rng.random() < 0.2
        if printed:
            digits = [int(x) for x in rng.integers(0, 10, n)]
            imgs = []
            rec["stroke"] = printed_stroke
        else:
            ks = [int(k) for k in rng.integers(lo, hi, n)]
            digits = [int(labels[k]) for k in ks]
            imgs = [images[k] for k in ks]
        v, src, rec["touching"] = number_shape(rng, digits, imgs, fonts, printed)
        rec["truth"] = "".join(str(d) for d in digits)
        rec["source"] = src if printed else "mnist:" + "+".join(str(k) for k in ks)
        fill, aspect = rng.uniform(0.15, 0.6), float(rng.uniform(1.0, 2.2))
    angle = float(rng.uniform(-10, 10))
    rec["angle"] = round(angle, 2)
    pic = photograph(rng, rotate(v, angle), long_side(rng), fill, aspect, rec)
    out = _INPUT["out"]
    base = os.path.join(out, part, "%s-%04d" % (kind, i))
    rec["file"] = os.path.relpath(save(rng, pic, base, rec), out)
    # the same digits without any damage: the MNIST image itself, or the shape dark on white
    clean = os.path.join(out, part, "clean", "%s-%04d.png" % (kind, i))
    if kind == "hand":
        Image.fromarray(images[k]).save(clean)
    else:
        m = REF // 2
        a = np.full((v.shape[0] + 2 * m, v.shape[1] + 2 * m), 255, np.uint8)
        a[m:-m, m:-m] = (255 - np.clip(v, 0, 1) * 255).astype(np.uint8)
        Image.fromarray(a).save(clean)
    rec["clean"] = os.path.relpath(clean, out)
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "predict-set"))
    ap.add_argument("--data", default=os.environ.get("RESNET_MNIST_DATA",
                                                     os.path.join(ROOT, "data", "mnist")))
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--hand", type=int, default=400, help="single handwritten digits per part")
    ap.add_argument("--print", type=int, default=200, help="single printed digits per part")
    ap.add_argument("--number", type=int, default=200, help="whole numbers per part")
    ap.add_argument("--parts", default="dev,heldout", help="comma-separated: dev, heldout")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (the set is the same)")
    args = ap.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    for p in parts:
        if p not in PARTS:
            ap.error("--parts: unknown part %r (dev, heldout)" % p)
    if min(args.hand, args.print, args.number) < 0:
        ap.error("counts must be >= 0")
    if args.jobs < 1:
        ap.error("--jobs must be >= 1")

    images = read_idx(args.data, "t10k-images-idx3-ubyte")
    labels = read_idx(args.data, "t10k-labels-idx1-ubyte")
    fonts = find_fonts()
    _INPUT.update(images=images, labels=labels, fonts=fonts, out=args.out)
    _TILE[0] = np.random.default_rng([args.seed, 99]).standard_normal((1024, 1024),
                                                                       dtype=np.float32)
    start = time.time()
    tasks = []
    for p in parts:
        shutil.rmtree(os.path.join(args.out, p), ignore_errors=True)
        os.makedirs(os.path.join(args.out, p, "clean"))
        for kind, n in (("hand", args.hand), ("print", args.print), ("number", args.number)):
            tasks += [(args.seed, p, kind, i) for i in range(n)]
    if args.jobs > 1:
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            rows = pool.map(make_picture, tasks, chunksize=8)
    else:
        rows = [make_picture(t) for t in tasks]
    with open(os.path.join(args.out, "manifest.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=MANIFEST_FIELDS)
        wr.writeheader()
        for r in rows:
            wr.writerow(r)
    with open(os.path.join(args.out, "fonts.txt"), "w") as f:
        for path, style in fonts:
            f.write("%s\t%s\n" % (path, style))
    print("make_predict_set.py: wrote %d pictures (%s) and manifest.csv to %s in %.1f s, "
          "with %d fonts" % (len(rows), ", ".join(parts), args.out, time.time() - start,
                             len(fonts)))


if __name__ == "__main__":
    main()
