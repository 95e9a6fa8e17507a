#!/usr/bin/python3
"""The tutorial's model, batch, loss and optimiser in PyTorch, timed the way `resnet-mnist bench`
times the C program (synthetic input, medians of several runs), so that the two can be compared
side by side on the same machine. Optional: nothing else depends on it.

Needs Debian's python3-torch (apt-get install python3-torch); run it with /usr/bin/python3.

  scripts/bench_pytorch.py --threads 1
  scripts/bench_pytorch.py --threads 2 --json
"""
import argparse
import json
import os
import statistics
import sys
import time

try:
    import torch
except ImportError:
    sys.exit("bench_pytorch.py: PyTorch is not installed (apt-get install python3-torch, "
             "then run with /usr/bin/python3)")

# One training image costs 8,700,528 multiply-adds, one inference 2,976,976 (spec section 2).
TRAIN_FLOP = 2 * 8_700_528
INFER_FLOP = 2 * 2_976_976


# The tutorial's model (the one make_golden.py uses: the order its layers are created in does
# not change what a step computes or costs).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tutorial_model import Model  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch-size", type=int, default=30)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.threads < 1 or a.batch_size < 1 or a.steps < 1 or a.runs < 1:
        ap.error("--threads, --batch-size, --steps and --runs must be positive")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    n = a.steps * a.batch_size
    x = torch.randn(n, 1, 28, 28)
    y = torch.randint(0, 10, (n,))
    model = Model()
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.005, momentum=0.5)

    def train_pass():
        t0 = time.perf_counter()
        for i in range(a.steps):
            xb = x[i * a.batch_size:(i + 1) * a.batch_size]
            yb = y[i * a.batch_size:(i + 1) * a.batch_size]
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return time.perf_counter() - t0

    def infer_pass():
        t0 = time.perf_counter()
        with torch.no_grad():
            for i in range(a.steps):
                model(x[i * a.batch_size:(i + 1) * a.batch_size]).argmax(1)
        return time.perf_counter() - t0

    train_pass()  # warm-up
    train = statistics.median(train_pass() for _ in range(a.runs))
    infer = statistics.median(infer_pass() for _ in range(a.runs))
    r = {
        "torch_version": torch.__version__,
        "threads": a.threads,
        "batch_size": a.batch_size,
        "train_images_per_s": n / train,
        "train_gflops": n / train * TRAIN_FLOP / 1e9,
        "infer_images_per_s": n / infer,
        "infer_gflops": n / infer * INFER_FLOP / 1e9,
        "epoch_seconds_estimate": 60000 / (n / train),
        "test_set_seconds_estimate": 10000 / (n / infer),
    }
    if a.json:
        print(json.dumps(r, indent=1))
    else:
        print(f"PyTorch {r['torch_version']}: batch {a.batch_size}, {a.threads} thread(s), "
              f"medians of {a.runs} runs of {a.steps} steps")
        print(f"training:  {r['train_images_per_s']:.0f} images/s, {r['train_gflops']:.1f} GFLOP/s;"
              f" an epoch of 60,000 images in {r['epoch_seconds_estimate']:.1f} s")
        print(f"inference: {r['infer_images_per_s']:.0f} images/s, {r['infer_gflops']:.1f} GFLOP/s;"
              f" the 10,000 test images in {r['test_set_seconds_estimate']:.3f} s")


if __name__ == "__main__":
    main()
