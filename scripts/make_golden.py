#!/usr/bin/python3
"""Regenerates tests/golden/ (PyTorch's reference numbers for the tutorial's model on one batch),
or, with --check, regenerates into a temporary folder and compares with the committed files.

A maintainer tool, not part of the build or CI. Needs Debian 12's python3-torch (PyTorch 1.13) and
python3-numpy (apt-get install python3-torch python3-numpy); run it with /usr/bin/python3.
tests/golden/README.md describes the files and the procedure.

  scripts/make_golden.py                       # rewrite tests/golden/ from data/mnist
  scripts/make_golden.py --check               # compare a fresh run with tests/golden/
  scripts/make_golden.py --data DIR --out DIR

Exit status: 0 on success (with --check: every number within 1e-5 and the IDX files byte-identical),
1 on a failure or a difference, 2 on a usage error.
"""
import argparse
import copy
import gzip
import json
import os
import shutil
import struct
import sys
import tempfile
import time

try:
    import numpy as np
    import torch
except ImportError:
    sys.exit("make_golden.py: PyTorch or numpy is not installed (apt-get install python3-torch "
             "python3-numpy, then run with /usr/bin/python3)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 1234
BATCH = 30
LR = 0.005
MOMENTUM = 0.5
MEAN, STD = 0.1307, 0.3081
TOLERANCE = 1e-5  # the project's golden tolerance (tests/engine/test_model.c)
IDX_FILES = ("batch30-images-idx3-ubyte", "batch30-labels-idx1-ubyte")
ST_FILES = ("init.safetensors", "grads1.safetensors", "step1.safetensors")
JSON_FILE = "step1.json"


class Fail(Exception):
    """A one-line error for the user (bad data, unreadable file)."""


# The tutorial's model, with its submodules in forward order (see scripts/tutorial_model.py:
# that order decides which random numbers each layer draws from the seed).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tutorial_model import Model  # noqa: E402


def read_head(data_dir, name, nbytes):
    """The first nbytes of an MNIST file, raw or gzip (NAME or NAME.gz in data_dir)."""
    for path, opener in ((os.path.join(data_dir, name), open),
                         (os.path.join(data_dir, name + ".gz"), gzip.open)):
        if os.path.exists(path):
            try:
                with opener(path, "rb") as f:
                    head = f.read(nbytes)
            except OSError as e:
                raise Fail(f"{path}: {e}")
            if len(head) != nbytes:
                raise Fail(f"{path}: truncated ({len(head)} of the first {nbytes} bytes)")
            return path, head
    raise Fail(f"{os.path.join(data_dir, name)}: not found (nor .gz); run scripts/fetch_mnist.sh")


def read_batch(data_dir):
    """The first BATCH training images (BATCH*784 bytes) and labels, with their headers checked."""
    path, img = read_head(data_dir, "train-images-idx3-ubyte", 16 + BATCH * 784)
    magic, count, rows, cols = struct.unpack(">IIII", img[:16])
    if magic != 0x803 or count < BATCH or (rows, cols) != (28, 28):
        raise Fail(f"{path}: not an MNIST image file (magic {magic:#x}, {count}x{rows}x{cols})")
    path, lab = read_head(data_dir, "train-labels-idx1-ubyte", 8 + BATCH)
    magic, count = struct.unpack(">II", lab[:8])
    if magic != 0x801 or count < BATCH or max(lab[8:]) > 9:
        raise Fail(f"{path}: not an MNIST label file (magic {magic:#x}, {count} labels)")
    return img[16:], lab[8:]


def normalise(pixels):
    """Spec: x = (byte/255 - 0.1307)/0.3081, in float32 as torchvision's ToTensor + Normalize."""
    u8 = np.frombuffer(pixels, dtype=np.uint8).reshape(BATCH, 1, 28, 28)
    return torch.from_numpy(u8.copy()).float().div(255).sub(MEAN).div(STD)


def train_step(model, x, labels):
    """One forward/backward/SGD step as the tutorial's train(); the logits, the loss, the
    gradients and the weights after the step."""
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    logits = model(x)
    loss = torch.nn.CrossEntropyLoss()(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    grads = {k: p.grad.detach().clone() for k, p in model.named_parameters()}
    optimizer.step()
    after = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return logits.detach(), loss.item(), grads, after


def short_exp(v):
    """1.78e-07 -> '1.8e-7', the note's style."""
    mant, exp = f"{v:.1e}".split("e")
    return f"{mant}e{int(exp)}"


def precision_note(model32, x, labels, logits, after, grads):
    """How far PyTorch's float32 is from float64 on this batch, from the same initial weights:
    the reason the tolerance is 1e-5, not 0."""
    model64 = copy.deepcopy(model32).double()
    logits64, _, grads64, after64 = train_step(model64, x.double(), labels)
    d_logits = (logits.double() - logits64).abs().max().item()
    d_step = max((after[k].double() - after64[k]).abs().max().item() for k in after)
    rel_grad = max(((grads[k].double() - grads64[k]).abs().max() / grads64[k].abs().max()).item()
                   for k in grads)
    return (f"PyTorch float32 vs float64 differ by up to {short_exp(d_logits)} in logits, "
            f"{short_exp(d_step)} in step-1 weights, {short_exp(rel_grad)} relative in gradients; "
            "compare a C float32 implementation with about 1e-5 tolerance, not bit-exactly")


def idx_bytes(magic, dims, payload):
    return struct.pack(">I" + "I" * len(dims), magic, *dims) + payload


def safetensors_bytes(tensors):
    """safetensors layout as the committed files: tensors in the given order, F32 little-endian,
    compact JSON header without __metadata__, padded with spaces to a multiple of 8."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        blob = t.detach().cpu().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def write_atomic(path, data):
    """Writes under a temporary name in the same folder, then renames: never a half file."""
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise Fail(f"{path}: {e}")


def generate(data_dir, out_dir):
    """Computes every golden file and writes it into out_dir."""
    pixels, label_bytes = read_batch(data_dir)
    x = normalise(pixels)
    labels = torch.tensor(list(label_bytes), dtype=torch.long)

    torch.manual_seed(SEED)
    model = Model()
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model32 = copy.deepcopy(model)  # untouched copy for the float64 comparison
    logits, loss, grads, after = train_step(model, x, labels)
    note = precision_note(model32, x, labels, logits, after, grads)

    step1 = {
        "torch_version": torch.__version__,
        "seed": SEED,
        "lr": LR,
        "momentum": MOMENTUM,
        "batch": BATCH,
        "data": f"first {BATCH} training images in file order (train-images-idx3-ubyte[0:{BATCH}]),"
                f" x/255 then (x-{MEAN})/{STD}",
        "loss": "CrossEntropyLoss, reduction=mean",
        "param_order": list(init),
        "labels": labels.tolist(),
        "loss_value": loss,
        "logits": logits.tolist(),
        "files": {
            "init.safetensors": f"initial weights, torch.manual_seed({SEED}), PyTorch default init",
            "grads1.safetensors": "gradients of the mean cross-entropy loss on the batch, "
                                  "at the initial weights",
            "step1.safetensors": f"weights after one SGD step (lr {LR}, momentum {MOMENTUM}; on "
                                 "the first step the momentum buffer equals the gradient)",
        },
        "tolerance_note": note,
    }
    os.makedirs(out_dir, exist_ok=True)
    write_atomic(os.path.join(out_dir, IDX_FILES[0]), idx_bytes(0x803, (BATCH, 28, 28), pixels))
    write_atomic(os.path.join(out_dir, IDX_FILES[1]), idx_bytes(0x801, (BATCH,), label_bytes))
    for name, tensors in zip(ST_FILES, (init, grads, after)):
        write_atomic(os.path.join(out_dir, name), safetensors_bytes(tensors))
    write_atomic(os.path.join(out_dir, JSON_FILE), json.dumps(step1, indent=1).encode())


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise Fail(f"{path}: {e}")


def parse_safetensors(path):
    """(header dict in file order, {name: float32 array})."""
    data = read_bytes(path)
    if len(data) < 8:
        raise Fail(f"{path}: truncated")
    (n,) = struct.unpack("<Q", data[:8])
    try:
        header = json.loads(data[8:8 + n])
    except ValueError as e:
        raise Fail(f"{path}: bad header: {e}")
    body = data[8 + n:]
    arrays = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        arrays[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(info["shape"])
    return header, arrays


def json_diff(want, have, where, problems, notes):
    """Worst absolute difference between two JSON values; structural mismatches go to problems,
    differing strings to notes (a version string or a re-measured note may change)."""
    if isinstance(want, bool) or isinstance(have, bool):
        if want != have:
            problems.append(f"{where}: {want!r} != {have!r}")
        return 0.0
    if isinstance(want, (int, float)) and isinstance(have, (int, float)):
        return abs(float(want) - float(have))
    if isinstance(want, str) and isinstance(have, str):
        if want != have:
            notes.append(f"{where}: committed {want!r}, regenerated {have!r}")
        return 0.0
    if isinstance(want, list) and isinstance(have, list):
        if len(want) != len(have):
            problems.append(f"{where}: length {len(want)} != {len(have)}")
            return 0.0
        return max([json_diff(a, b, f"{where}[{i}]", problems, notes)
                    for i, (a, b) in enumerate(zip(want, have))], default=0.0)
    if isinstance(want, dict) and isinstance(have, dict):
        if list(want) != list(have):
            problems.append(f"{where}: keys {list(want)} != {list(have)}")
            return 0.0
        return max([json_diff(want[k], have[k], f"{where}.{k}", problems, notes) for k in want],
                   default=0.0)
    problems.append(f"{where}: {type(want).__name__} != {type(have).__name__}")
    return 0.0


def compare(golden_dir, fresh_dir):
    """Prints one line per file (worst absolute difference) and returns True if all agree."""
    def same_bytes(name):
        return (read_bytes(os.path.join(golden_dir, name))
                == read_bytes(os.path.join(fresh_dir, name)))

    ok = True
    for name in IDX_FILES:
        same = same_bytes(name)
        print(f"{name:28} {'byte-identical' if same else 'DIFFERS (must be byte-identical)'}")
        ok &= same
    for name in ST_FILES:
        want_h, want = parse_safetensors(os.path.join(golden_dir, name))
        have_h, have = parse_safetensors(os.path.join(fresh_dir, name))
        if want_h != have_h or list(want_h) != list(have_h):
            print(f"{name:28} LAYOUT DIFFERS (names, order, dtypes, shapes or metadata)")
            ok = False
            continue
        worst, at = max((float(np.abs(want[k].astype(np.float64) - have[k]).max()), k)
                        for k in want)
        same = same_bytes(name)
        where = f" ({at})" if worst > 0 else ""
        print(f"{name:28} worst |diff| {worst:.3g}{where}" + (", byte-identical" if same else ""))
        ok &= worst <= TOLERANCE
    want = json.loads(read_bytes(os.path.join(golden_dir, JSON_FILE)))
    have = json.loads(read_bytes(os.path.join(fresh_dir, JSON_FILE)))
    problems, notes = [], []
    worst = json_diff(want, have, "step1", problems, notes)
    same = same_bytes(JSON_FILE)
    print(f"{JSON_FILE:28} worst |diff| {worst:.3g}" + (", byte-identical" if same else ""))
    for line in problems:
        print(f"  DIFFERS: {line}")
    for line in notes:
        print(f"  note: {line}")
    ok &= worst <= TOLERANCE and not problems
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "mnist"),
                    help="folder with train-images-idx3-ubyte and train-labels-idx1-ubyte "
                         "(raw or .gz; default: the repository's data/mnist)")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "golden"),
                    help="folder to write, or with --check to compare against "
                         "(default: the repository's tests/golden)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing: regenerate into a temporary folder and compare")
    ap.add_argument("--threads", type=int, default=1,
                    help="PyTorch threads (default 1, as the committed files were made)")
    args = ap.parse_args()
    if args.threads < 1:
        ap.error("--threads must be at least 1")
    torch.set_num_threads(args.threads)
    if not torch.__version__.startswith("1.13"):
        print(f"make_golden.py: note: PyTorch {torch.__version__}, the committed files are from "
              "1.13; expect small differences", file=sys.stderr)

    start = time.monotonic()
    try:
        if not args.check:
            generate(args.data, args.out)
            print(f"wrote {args.out} with PyTorch {torch.__version__} "
                  f"in {time.monotonic() - start:.1f} s")
            return 0
        fresh = tempfile.mkdtemp(prefix="golden-")
        try:
            generate(args.data, fresh)
            print(f"regenerated with PyTorch {torch.__version__} in "
                  f"{time.monotonic() - start:.1f} s; against {args.out} "
                  f"(tolerance {TOLERANCE:g}):")
            ok = compare(args.out, fresh)
        finally:
            shutil.rmtree(fresh, ignore_errors=True)
        print("OK" if ok else "FAILED")
        return 0 if ok else 1
    except Fail as e:
        print(f"make_golden.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
