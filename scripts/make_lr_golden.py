#!/usr/bin/python3
"""Writes PyTorch's own learning-rate sequences and SGD steps for the C tests to compare with:

  tests/golden/lr_schedules.txt   the (lr, momentum) of every SGD step for a few schedules
                                  (tests/engine/test_lr_schedule.c, exact to the float)
  tests/golden/sgd_steps.txt      a few torch.optim.SGD steps with weight decay and Nesterov
                                  momentum (tests/ops/test_sgd.c)

A maintainer tool, not part of the build: needs Debian 12's python3-torch (PyTorch 1.13); run it
with /usr/bin/python3 from anywhere. Each file is written to a temporary name, then renamed.

  /usr/bin/python3 scripts/make_lr_golden.py            # rewrite both files
  /usr/bin/python3 scripts/make_lr_golden.py --check    # compare a fresh run with them

Format of lr_schedules.txt: '#' lines are comments; a line 'schedule KIND LR MOMENTUM STEP_SIZE
GAMMA WARMUP MIN_LR EPOCHS BATCHES' starts a configuration (the fields of struct lr_schedule),
followed by one line 'EPOCH BATCH LR MOMENTUM' per SGD step: the values torch.optim.SGD holds in
its param group when it takes that step, as Python's repr (17 significant digits).
The schedulers are stepped as the C trainer steps them: onecycle after every batch, the others
after every epoch; --warmup N is SequentialLR([LinearLR(total_iters=N), main], milestones=[N]).
"""
import os
import sys
import tempfile
import warnings

try:
    import torch
except ImportError:
    sys.exit("make_lr_golden.py: PyTorch is not installed (apt-get install python3-torch, then "
             "run with /usr/bin/python3)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden")
sched = torch.optim.lr_scheduler

# kind, lr, momentum, step_size, gamma, warmup, min_lr, epochs, batches
CONFIGS = [
    ("constant", 0.005, 0.5, 0, 0.0, 0, 0.0, 3, 2),
    ("constant", 0.02, 0.9, 0, 0.0, 3, 0.0, 6, 2),
    ("step", 0.1, 0.9, 3, 0.7, 0, 0.0, 12, 2),
    ("step", 0.05, 0.9, 2, 0.3, 2, 0.0, 9, 2),
    ("cosine", 0.05, 0.9, 0, 0.0, 0, 0.001, 15, 2),
    ("cosine", 0.1, 0.9, 0, 0.0, 3, 0.0, 20, 2),
    ("cosine", 0.0123, 0.5, 0, 0.0, 0, 0.0, 7, 3),
    ("onecycle", 0.1, 0.9, 0, 0.0, 0, 0.0, 3, 7),
    ("onecycle", 0.05, 0.9, 0, 0.0, 0, 0.0, 2, 235),
    ("onecycle", 0.4, 0.9, 0, 0.0, 0, 0.0, 15, 43),
]


def main_scheduler(opt, kind, step_size, gamma, min_lr, epochs, warmup, batches):
    if kind == "constant":
        return sched.ConstantLR(opt, factor=1.0, total_iters=0)
    if kind == "step":
        return sched.StepLR(opt, step_size=step_size, gamma=gamma)
    if kind == "cosine":
        return sched.CosineAnnealingLR(opt, T_max=epochs - warmup, eta_min=min_lr)
    return sched.OneCycleLR(opt, max_lr=opt.param_groups[0]["lr"], total_steps=epochs * batches)


def sequence(kind, lr, momentum, step_size, gamma, warmup, min_lr, epochs, batches):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum)
    if warmup:
        first = sched.LinearLR(opt, total_iters=warmup)
        main = main_scheduler(opt, kind, step_size, gamma, min_lr, epochs, warmup, batches)
        s = sched.SequentialLR(opt, [first, main], milestones=[warmup])
    elif kind == "constant":
        s = None
    else:
        s = main_scheduler(opt, kind, step_size, gamma, min_lr, epochs, warmup, batches)
    rows = []
    for e in range(epochs):
        for b in range(batches):
            g = opt.param_groups[0]
            rows.append("%d %d %r %r" % (e, b, g["lr"], g["momentum"]))
            p.grad = torch.ones(1)
            opt.step()
            if s is not None and kind == "onecycle":
                s.step()
        if s is not None and kind != "onecycle":
            s.step()
    return rows


def lr_text():
    out = ["# PyTorch %s's lr and momentum per SGD step: scripts/make_lr_golden.py" %
           torch.__version__]
    for c in CONFIGS:
        out.append("schedule %s %r %r %d %r %d %r %d %d" % c)
        out.extend(sequence(*c))
    return "\n".join(out) + "\n"


def sgd_text():
    """torch.optim.SGD(lr, momentum, weight_decay, nesterov) over 5 parameters for 4 steps, the
    lr and momentum changing every step as a schedule would: each step's gradient, then the
    parameters and the momentum buffer after it."""
    out = ["# PyTorch %s SGD steps: scripts/make_lr_golden.py" % torch.__version__,
           "# 'config WEIGHT_DECAY NESTEROV N', 'init P...', then per step 'step LR MOMENTUM',",
           "# 'grad G...', 'param P...', 'buf B...' (float32 values as %.9g)"]
    gen = torch.Generator().manual_seed(7)
    for wd, nesterov in ((5e-4, 1), (0.01, 0), (0.0, 1)):
        n = 5
        p = (torch.rand(n, generator=gen) * 2 - 1).requires_grad_(True)
        opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=wd, nesterov=bool(nesterov))
        out.append("config %r %d %d" % (wd, nesterov, n))
        out.append("init " + " ".join("%.9g" % v for v in p.detach().tolist()))
        for k, (lr, mom) in enumerate(((0.1, 0.9), (0.05, 0.85), (0.2, 0.95), (0.01, 0.5))):
            for g in opt.param_groups:
                g["lr"], g["momentum"] = lr, mom
            p.grad = torch.rand(n, generator=gen) * 2 - 1
            opt.step()
            buf = opt.state[p]["momentum_buffer"]
            out.append("step %r %r" % (lr, mom))
            out.append("grad " + " ".join("%.9g" % v for v in p.grad.tolist()))
            out.append("param " + " ".join("%.9g" % v for v in p.detach().tolist()))
            out.append("buf " + " ".join("%.9g" % v for v in buf.tolist()))
    return "\n".join(out) + "\n"


def write(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] and not check:
        sys.stderr.write("usage: make_lr_golden.py [--check]\n")
        return 2
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")  # SequentialLR's step(0) deprecation warning
    files = {"lr_schedules.txt": lr_text(), "sgd_steps.txt": sgd_text()}
    bad = 0
    for name, text in files.items():
        path = os.path.join(GOLDEN, name)
        if check:
            with open(path) as f:
                same = f.read() == text
            print("%s: %s" % (name, "same" if same else "DIFFERS"))
            bad |= not same
        else:
            write(path, text)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
