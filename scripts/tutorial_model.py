"""The tutorial's model (spec section 2) in PyTorch, shared by scripts/make_golden.py and
scripts/bench_pytorch.py. Needs torch (Debian's python3-torch, run with /usr/bin/python3)."""
import torch
import torch.nn.functional as F


# The tutorial's model (spec section 2), forward copied from the tutorial. The submodules are
# registered in forward order (conv1, RB1, conv2, RB2, linear1, linear2), not in the tutorial's
# __init__ order (conv1, conv2, RB1, RB2, ...): the committed init.safetensors was drawn that way,
# and the order decides which random numbers each layer gets from the seed. Shapes, names and
# maths are the tutorial's either way.
class ResBlock(torch.nn.Module):
    def __init__(self, channel):
        super().__init__()
        self.channel = channel
        self.conv1 = torch.nn.Conv2d(channel, channel, kernel_size=3, padding=1)
        self.conv2 = torch.nn.Conv2d(channel, channel, kernel_size=5, padding=2)

    def forward(self, x):
        y = F.relu(self.conv1(x))
        y = self.conv2(y)
        return F.relu(x + y)


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, kernel_size=5)
        self.MP = torch.nn.MaxPool2d(2)
        self.RB1 = ResBlock(16)
        self.conv2 = torch.nn.Conv2d(16, 32, kernel_size=3)
        self.RB2 = ResBlock(32)
        self.linear1 = torch.nn.Linear(800, 200)
        self.linear2 = torch.nn.Linear(200, 10)

    def forward(self, x):
        batch = x.size(0)
        y = self.MP(F.relu(self.conv1(x)))
        y = self.RB1(y)
        y = self.MP(F.relu(self.conv2(y)))
        y = self.RB2(y)
        y = y.view(batch, -1)
        y = F.relu(self.linear1(y))
        y = self.linear2(y)
        return y
