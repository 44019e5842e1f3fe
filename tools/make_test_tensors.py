#!/usr/bin/env python3
"""Writes real torch.save fixtures for the .pth reader tests.

Needs PyTorch (Debian 12: apt-get install python3-torch, then run with
/usr/bin/python3). The values are simple closed forms so the C++ tests can
recompute them without reading another file.

- saved_tensor.pt: torch.save of one tensor that is a strided view into a larger
  storage: arange(60).reshape(3, 4, 5)[1:, :, ::2] (offset 20, strides (20, 5, 2)).
- nested_state.pth: {"state_dict": {...}, "epoch": 7}: fp16, bf16, int64 and bool
  tensors, an nn.Parameter, and two tensors sharing one storage.

Usage: /usr/bin/python3 tools/make_test_tensors.py [tests/data]
"""
import sys
from collections import OrderedDict
from pathlib import Path

import torch


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "tests" / "data")
    out.mkdir(parents=True, exist_ok=True)

    base = torch.arange(60, dtype=torch.float32).reshape(3, 4, 5)
    torch.save(base[1:, :, ::2], out / "saved_tensor.pt")

    shared = torch.arange(10, dtype=torch.float32)
    sd = OrderedDict()
    sd["half"] = torch.arange(6, dtype=torch.float16).reshape(2, 3) / 4
    sd["bf16"] = torch.arange(4, dtype=torch.bfloat16) - 2
    sd["long"] = torch.tensor([-(2 ** 40), 0, 2 ** 40], dtype=torch.int64)
    sd["mask"] = torch.tensor([True, False, True])
    sd["param"] = torch.nn.Parameter(torch.ones(2, 2) * 3)
    sd["shared_a"] = shared[:5]
    sd["shared_b"] = shared[5:]
    torch.save({"state_dict": sd, "epoch": 7}, out / "nested_state.pth")
    print("wrote", out / "saved_tensor.pt", out / "nested_state.pth", "with torch", torch.__version__)


if __name__ == "__main__":
    main()
