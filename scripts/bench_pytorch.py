#!/usr/bin/env python3
"""Times PyTorch (CPU) on the three training workloads of `benches/train_step.rs`.

Not run by CI: it needs `pip install torch` (any PyTorch 2; NumPy is not needed).

Each workload is one training step of an MLP, float32, plain SGD (torch.optim.SGD, lr 0.01,
no momentum), softmax cross-entropy, data in memory:

    tiny    2 -> [32]x10 tanh -> 2        batch 64
    medium  64 -> [256]x8 relu -> 10      batch 256
    wide    784 -> [1024]x4 relu -> 10    batch 512

A step is what gradbook's `train` does per step: take the next mini-batch of a data set
shuffled once per epoch (index the in-memory float32 tensor), forward, loss, backward, SGD
update. With --probes it also does what gradbook's probes do every step: read the loss and
the Frobenius norm of every layer's weight gradient out as Python floats (which also checks
that they are finite).

Inputs are uniform in [-1, 1), labels uniform, weights PyTorch's default init (the values
do not change the cost). Every workload runs under each thread count asked for
(torch.set_num_threads; intra-op only), with autograd's usual overheads, no torch.compile.
After a warm-up, it times `--repeats` runs of `--steps` steps each (the step count adapts to
the workload) and reports the median time per step, with the min and max.

    python3 scripts/bench_pytorch.py                 # threads 1 and 2, probes off and on
    python3 scripts/bench_pytorch.py --threads 2 --workloads wide
    python3 scripts/bench_pytorch.py --threads 1 --clock cpu   # on a busy machine
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

WORKLOADS = {
    # name: (input_dim, hidden, classes, activation, batch, steps per timed run)
    "tiny": (2, [32] * 10, 2, "tanh", 64, 400),
    "medium": (64, [256] * 8, 10, "relu", 256, 40),
    "wide": (784, [1024] * 4, 10, "relu", 512, 6),
}


def build(input_dim, hidden, classes, activation):
    sizes = [input_dim, *hidden, classes]
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if index + 1 < len(sizes) - 1:
            layers.append(torch.nn.Tanh() if activation == "tanh" else torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


class Batches:
    """Epochs of shuffled mini-batches, remainder dropped, as gradbook's BatchSampler."""

    def __init__(self, examples, batch, generator):
        self.examples, self.batch, self.generator = examples, batch, generator
        self.order, self.position = None, examples

    def next(self):
        if self.position + self.batch > self.examples:
            self.order = torch.randperm(self.examples, generator=self.generator)
            self.position = 0
        indices = self.order[self.position : self.position + self.batch]
        self.position += self.batch
        return indices


def run(name, threads, probes, repeats, clock):
    input_dim, hidden, classes, activation, batch, steps = WORKLOADS[name]
    torch.set_num_threads(threads)
    generator = torch.Generator().manual_seed(1)
    examples = batch * 8
    inputs = torch.rand(examples, input_dim, generator=generator) * 2 - 1
    labels = torch.randint(classes, (examples,), generator=generator)
    torch.manual_seed(1)
    model = build(input_dim, hidden, classes, activation)
    weights = [m.weight for m in model if isinstance(m, torch.nn.Linear)]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    batches = Batches(examples, batch, generator)

    def step():
        indices = batches.next()
        x, y = inputs[indices], labels[indices]
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if probes:
            recorded = [loss.item()] + [w.grad.norm().item() for w in weights]
            assert all(v == v and abs(v) != float("inf") for v in recorded)
        optimizer.step()

    for _ in range(max(3, steps // 4)):  # warm-up: allocator, oneDNN/MKL kernel selection
        step()
    per_step = []
    for _ in range(repeats):
        start = clock()
        for _ in range(steps):
            step()
        per_step.append((clock() - start) / steps)
    return statistics.median(per_step), min(per_step), max(per_step)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--probes", choices=["off", "on", "both"], default="both")
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="wall: elapsed time (default). cpu: this thread's CPU time, which on a busy "
        "machine is what a quiet one would show; meaningful with --threads 1 only",
    )
    args = parser.parse_args()
    clock = {"wall": time.perf_counter, "cpu": time.thread_time}[args.clock]
    if args.clock == "cpu" and args.threads != [1]:
        parser.error("--clock cpu measures the calling thread only: use it with --threads 1")
    probe_settings = {"off": [False], "on": [True], "both": [False, True]}[args.probes]

    torch.set_num_interop_threads(1)
    capability = torch.backends.cpu.get_cpu_capability()
    print(f"torch {torch.__version__}, CPU capability {capability}, {args.clock} clock")
    print(f"{'workload':8} {'threads':>7} {'probes':>6} {'median ms/step':>15} {'min':>9} {'max':>9}")
    for name in args.workloads:
        for threads in args.threads:
            for probes in probe_settings:
                median, low, high = run(name, threads, probes, args.repeats, clock)
                print(
                    f"{name:8} {threads:7d} {'on' if probes else 'off':>6} "
                    f"{median * 1e3:15.3f} {low * 1e3:9.3f} {high * 1e3:9.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
