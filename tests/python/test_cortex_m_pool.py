"""ExecuTorch's Cortex-M int8 pools, pad, transpose and minimum / maximum on Ember
(kernels/portable/op_qpool.c, op_qlayout.c).

1. Each op alone, on int8 program inputs over random shapes and parameters: Ember's output equals
   the op's Python reference in ExecuTorch (backends/cortex_m/ops/operators.py, the module's eager
   output) bit for bit. The one exception is quantized_avg_pool2d: ExecuTorch's kernel calls
   CMSIS-NN's arm_avgpool_s8, which averages the raw int8 values and rounds a tie away from
   zero, while the Python reference dequantizes, averages in float and rounds half to even. Ember
   follows CMSIS-NN, so the average is checked bit for bit against a transcription of
   arm_avgpool_s8's C in numpy (`_cmsis_avgpool`), and against ExecuTorch's reference it must
   agree everywhere except at exact ties, where it may differ by one.
2. A small model (max_pool2d -> avg_pool2d -> flatten -> linear, one input channel) through
   ExecuTorch's Cortex-M flow (CortexMQuantizer, CortexMPassManager for a Cortex-M55,
   to_executorch): it runs on Ember, equal to the lowered graph run in Python within one
   quantization step (the same bound and reasons as test_cortex_m.py's flow test).

Channels-last program inputs are passed as they are: Ember's Python `run()` lays an input out in
the dim order the program declares for it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import ember
import quant_ops
from test_cortex_m import _cortex_m, _to_program

CL = torch.channels_last


def _quantize_multiplier(scale: float) -> tuple[int, int]:
    """ExecuTorch's quantize_multiplier_aot (passes_utils.py): a Q31 multiplier and a shift."""
    mantissa, shift = math.frexp(scale)
    q = int(round(mantissa * (1 << 31)))
    if q == 1 << 31:
        q //= 2
        shift += 1
    return q, shift


def _run(model: torch.nn.Module, inputs: tuple) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(model, inputs)
    return ember.load(_to_program(ep)).run(*inputs)[0]


# ---- pools ----------------------------------------------------------------------------------

def _pool_out(size, k, s, p, ceil):
    """ExecuTorch's kernel's output size (op_quantized_avg_pool2d.cpp, pooling_output_size)."""
    num = size + 2 * p - k
    o = num // s + 1
    if ceil and num % s:
        o += 1
    if ceil and (o - 1) * s >= size + p:
        o -= 1
    return o


def _cmsis_avgpool(x_nhwc: np.ndarray, k, s, p, oh, ow) -> np.ndarray:
    """arm_avgpool_s8's generic C in numpy: the raw sum over the clipped window, divided by the
    valid count with the remainder rounded away from zero, clamped to int8."""
    n, h, w, c = x_nhwc.shape
    out = np.zeros((n, oh, ow, c), np.int64)
    x = x_nhwc.astype(np.int64)
    for oy in range(oh):
        y0, y1 = max(0, oy * s[0] - p[0]), min(h, oy * s[0] - p[0] + k[0])
        for ox in range(ow):
            x0, x1 = max(0, ox * s[1] - p[1]), min(w, ox * s[1] - p[1] + k[1])
            cnt = (y1 - y0) * (x1 - x0)
            tot = x[:, y0:y1, x0:x1, :].sum(axis=(1, 2))
            q = np.where(tot > 0, tot + cnt // 2, tot - cnt // 2)
            out[:, oy, ox, :] = np.trunc(q / cnt)  # C division; exact in float64 here
    return np.clip(out, -128, 127).astype(np.int8)


def _pool_case(g, t):
    def ri(lo, hi):
        return int(torch.randint(lo, hi, (1,), generator=g))

    n, c = ri(1, 3), [1, 3, 8, 17][t % 4]
    k = (ri(1, 5), ri(1, 5))
    s = (ri(1, 4), ri(1, 4))
    p = (ri(0, k[0] // 2 + 1), ri(0, k[1] // 2 + 1))
    h, w = ri(max(k[0], 2), 12), ri(max(k[1], 2), 13)
    x = torch.randint(-128, 128, (n, c, h, w), generator=g, dtype=torch.int8)
    return n, c, h, w, k, s, p, x


@pytest.mark.parametrize("nhwc", [False, True])
def test_quantized_max_pool2d_matches_the_reference(nhwc):
    _cortex_m()
    g = torch.Generator().manual_seed(10 + nhwc)
    for t in range(14):
        n, c, h, w, k, s, p, x = _pool_case(g, t)
        zp = int(torch.randint(-128, 128, (1,), generator=g))
        act = (-128, 127) if t % 3 else (int(torch.randint(-128, 0, (1,), generator=g)),
                                         int(torch.randint(0, 128, (1,), generator=g)))
        model = quant_ops.QuantizedMaxPool(k, s, p, zp, act, nhwc).eval()
        if nhwc:
            xin = x.permute(0, 2, 3, 1).contiguous()
            want = model(xin).numpy()
            got = _run(model, (xin,))
        else:
            xin = x.to(memory_format=CL)
            want = model(xin).numpy()
            got = _run(model, (xin,))
        assert got.dtype == np.int8 and got.shape == want.shape, (got.shape, want.shape)
        assert np.array_equal(got, want), f"case {t}: {(n, c, h, w)} k {k} s {s} p {p} act {act}"


@pytest.mark.parametrize("nhwc", [False, True])
def test_quantized_avg_pool2d_matches_cmsis_and_the_reference(nhwc):
    _cortex_m()
    g = torch.Generator().manual_seed(20 + nhwc)
    ties = 0
    for t in range(14):
        n, c, h, w, k, s, p, x = _pool_case(g, t)
        ceil = t % 2 == 1
        zp = int(torch.randint(-128, 128, (1,), generator=g))
        scale = float(torch.empty(1).uniform_(0.001, 0.2, generator=g))
        mult, shift = _quantize_multiplier(scale)  # as aten_to_cortex_m_pass.py computes them
        model = quant_ops.QuantizedAvgPool(k, s, p, ceil, zp, mult, shift, nhwc).eval()
        oh, ow = _pool_out(h, k[0], s[0], p[0], ceil), _pool_out(w, k[1], s[1], p[1], ceil)
        x_nhwc = x.permute(0, 2, 3, 1).contiguous()
        cmsis = _cmsis_avgpool(x_nhwc.numpy(), k, s, p, oh, ow)  # (n, oh, ow, c)
        if nhwc:
            ref = model(x_nhwc).numpy()
            got = _run(model, (x_nhwc,))
        else:
            xin = x.to(memory_format=CL)
            ref = model(xin).permute(0, 2, 3, 1).numpy()
            got = _run(model, (xin,)).transpose(0, 2, 3, 1)
        assert got.shape == cmsis.shape == ref.shape, (got.shape, cmsis.shape, ref.shape)
        what = f"case {t}: {(n, c, h, w)} k {k} s {s} p {p} ceil {ceil} zp {zp}"
        assert np.array_equal(got, cmsis), what
        # against ExecuTorch's reference: equal but at ties (sum / count ends in .5 exactly)
        diff = got.astype(int) - ref.astype(int)
        assert np.abs(diff).max() <= 1, what
        # the tie positions: recompute sums and counts
        tie = np.zeros(cmsis.shape, bool)
        xs = x_nhwc.numpy().astype(np.int64)
        for oy in range(oh):
            y0, y1 = max(0, oy * s[0] - p[0]), min(h, oy * s[0] - p[0] + k[0])
            for ox in range(ow):
                x0, x1 = max(0, ox * s[1] - p[1]), min(w, ox * s[1] - p[1] + k[1])
                cnt = (y1 - y0) * (x1 - x0)
                tot = xs[:, y0:y1, x0:x1, :].sum(axis=(1, 2))
                tie[:, oy, ox, :] = (2 * tot) % (2 * cnt) == cnt
        assert not np.any(diff[~tie]), what
        ties += int(np.count_nonzero(diff))
    print(f"\navg_pool2d (nhwc={nhwc}): {ties} outputs at ties differ by one from "
          "ExecuTorch's Python reference (CMSIS-NN rounds them away from zero)")


def _load_fails(model, inputs, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(model, inputs)
    with pytest.raises(ember.EmberError, match=match):
        ember.load(_to_program(ep)).method()


class _MaxPoolCeil(quant_ops.QuantizedMaxPool):
    def forward(self, x):
        k, s, p, zp, (lo, hi), _ = self.p
        return torch.ops.cortex_m.quantized_max_pool2d(x, k, s, p, [1, 1], True, zp, zp, lo, hi)


def test_quantized_pools_refuse_what_executorch_refuses():
    _cortex_m()
    x = torch.randint(-128, 128, (1, 4, 7, 7), dtype=torch.int8)
    model = quant_ops.QuantizedMaxPool((2, 2), (2, 2), (0, 0), 0, (-128, 127))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(model, (x.to(memory_format=CL),))
    ember.load(_to_program(ep)).method()  # channels-last: loads
    # NCHW bytes for the legacy op, which reads NHWC bytes (ExecuTorch's kernel refuses too)
    _load_fails(model, (x,), "channels-last")
    # ceil_mode for max pool: ExecuTorch's kernel refuses it
    _load_fails(_MaxPoolCeil((2, 2), (2, 2), (0, 0), 0, (-128, 127)),
                (x.to(memory_format=CL),), "ceil_mode")


# ---- pad, transpose, minimum / maximum ------------------------------------------------------

def test_pad_matches_the_reference():
    _cortex_m()
    g = torch.Generator().manual_seed(30)

    def ri(lo, hi):
        return int(torch.randint(lo, hi, (1,), generator=g))

    for t in range(14):
        rank = [4, 4, 4, 3, 2, 1, 4][t % 7]
        shape = [ri(1, 5) for _ in range(rank)]
        if t % 7 == 2:
            shape[1] = 1  # C == 1: ExecuTorch reads it as channels-last whatever its dim order
        pre, post = [0] * 4, [0] * 4
        for j in range(4 - rank, 4):
            pre[j], post[j] = ri(0, 3), ri(0, 3)
        if t % 5 == 0:
            pre, post = [0] * 4, [0] * 4  # what avg_pool2d's lowering inserts
        x = torch.randint(-128, 128, shape, generator=g, dtype=torch.int8)
        cl = rank == 4 and t % 7 != 1
        if cl:
            x = x.to(memory_format=CL)
        model = quant_ops.QuantizedPad(pre, post, ri(-128, 128)).eval()
        want = model(x).numpy()
        got = _run(model, (x,))
        assert got.shape == want.shape, (t, got.shape, want.shape)
        assert np.array_equal(got, want), f"case {t}: {shape} cl {cl} pre {pre} post {post}"


def test_transpose_matches_the_reference():
    _cortex_m()
    g = torch.Generator().manual_seed(40)
    perms = [[0, 2, 1], [1, 0], [2, 0, 1], [0, 2, 3, 1], [0, 3, 1, 2], [3, 2, 1, 0], [0],
             [1, 2, 0], [0, 1, 3, 2], [2, 1, 0], [1, 0, 3, 2], [0, 1, 2], [1, 0], [3, 0, 2, 1]]
    for t, perm in enumerate(perms):
        shape = [int(torch.randint(1, 7, (1,), generator=g)) for _ in perm]
        x = torch.randint(-128, 128, shape, generator=g, dtype=torch.int8)
        model = quant_ops.QuantizedTranspose(perm).eval()
        want = model(x).numpy()
        got = _run(model, (x,))
        assert np.array_equal(got, want), f"case {t}: {shape} perm {perm}"


_MINMAX_SHAPES = [
    ((2, 3, 4, 5), (2, 3, 4, 5)), ((3, 7), (3, 7)), ((2, 3, 4, 5), (1,)), ((1,), (4, 6)),
    ((2, 3, 4, 5), (1, 1, 4, 5)), ((4, 1, 6), (1, 5, 1)), ((2, 1, 4, 5), (2, 3, 1, 5)),
    ((6,), (3, 1)), ((1, 1, 3, 5), (2, 4, 1, 5)), ((5, 4), (4,)), ((2, 3, 4, 1), (2, 3, 4, 5)),
    ((3, 1, 1, 4), (3, 2, 5, 4)),
]


@pytest.mark.parametrize("cls", [quant_ops.QuantizedMinimum, quant_ops.QuantizedMaximum])
def test_minimum_maximum_match_the_reference(cls):
    _cortex_m()
    g = torch.Generator().manual_seed(50)
    for t, (sa, sb) in enumerate(_MINMAX_SHAPES):
        a = torch.randint(-128, 128, sa, generator=g, dtype=torch.int8)
        b = torch.randint(-128, 128, sb, generator=g, dtype=torch.int8)
        model = cls().eval()
        want = model(a, b).numpy()
        got = _run(model, (a, b))
        assert np.array_equal(got, want), f"case {t}: {sa} vs {sb}"
    # a channels-last operand and a one-element one: out is channels-last too (the op's meta
    # makes it empty_like(self)); elementwise on the bytes
    a = torch.randint(-128, 128, (1, 5, 3, 4), generator=g, dtype=torch.int8).to(memory_format=CL)
    b = torch.randint(-128, 128, (1,), generator=g, dtype=torch.int8)
    model = cls().eval()
    want = model(a, b).numpy()
    got = _run(model, (a, b))
    assert np.array_equal(got, want)
    # two channels-last operands of one shape: the op's meta makes out contiguous, and
    # ExecuTorch's kernel would write NHWC bytes into it; Ember refuses
    _load_fails(cls(), (a, a.clone()), "differ in layout")


def test_minimum_refuses_a_broadcast_cmsis_computes_wrongly():
    """(1, 1, 2, 1) against (1, 2, 1, 1), (1, 1, 3, 5) against (2, 4, 1, 1), and the per-channel
    (2, 3, 4, 5) against (1, 3, 1, 1): CMSIS-NN's arm_minimum_s8 steps through the second operand
    twice per row there and reads past it (op_qlayout.c, cmsis_broadcast_ok); Ember refuses
    them at load."""
    _cortex_m()
    for sa, sb in (((1, 1, 2, 1), (1, 2, 1, 1)), ((1, 1, 3, 5), (2, 4, 1, 1)),
                   ((2, 3, 4, 5), (1, 3, 1, 1))):
        a = torch.randint(-128, 128, sa, dtype=torch.int8)
        b = torch.randint(-128, 128, sb, dtype=torch.int8)
        _load_fails(quant_ops.QuantizedMinimum(), (a, b), "computes wrongly")


# ---- ExecuTorch's own flow --------------------------------------------------------------------

class PoolNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.mp = torch.nn.MaxPool2d(2)
        self.ap = torch.nn.AvgPool2d(3, stride=2, padding=1)
        self.fc = torch.nn.Linear(1 * 3 * 3, 6)

    def forward(self, x):
        return self.fc(self.ap(self.mp(x)).flatten(1))


def test_cortex_m_flow_pool_program_runs_on_ember():
    quantizer, pass_manager, target, cpu, edge_config = _cortex_m()
    from executorch.exir import to_edge
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    torch.manual_seed(0)
    model = PoolNet().eval()
    # one channel, contiguous: Ember's cortex_m::quantize_per_tensor (op_quant.c) takes
    # contiguous input only, and ExecuTorch's pools take a one-channel tensor as channels-last
    # (its bytes are the same); with more channels the flow's pools would get NCHW bytes, which
    # ExecuTorch's kernels (and Ember) refuse
    x = torch.randn(1, 1, 12, 12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = torch.export.export(model, (x,)).module(check_guards=False)
        prepared = prepare_pt2e(graph, quantizer())
        for _ in range(8):
            prepared(torch.randn(1, 1, 12, 12))
        converted = convert_pt2e(prepared)
        edge = to_edge(torch.export.export(converted, (x,)), compile_config=edge_config())
        lowered = pass_manager(edge.exported_program(), pass_manager.pass_list,
                               target_config=target(cpu=cpu.M55)).transform()
        want = lowered.module()(x).detach().numpy()
        edge._edge_programs["forward"] = lowered
        prog = edge.to_executorch()
    ops = {f"{o.name}.{o.overload}" for p in prog.executorch_program.execution_plan
           for o in p.operators}
    assert {"cortex_m::quantized_max_pool2d.out", "cortex_m::quantized_avg_pool2d.out",
            "cortex_m::pad.out", "cortex_m::quantized_linear.out"} <= ops, ops
    got = ember.load(prog.buffer).run(x)[0]
    assert got.shape == want.shape
    step = float(np.abs(np.diff(np.unique(want))).min()) if np.unique(want).size > 1 else 1.0
    assert np.abs(got - want).max() <= step * 1.001, (got, want)
    agree = float(np.mean(got == want))
    print(f"\nCortex-M flow pool net: ops {sorted(ops)}; {agree:.1%} of outputs bit-identical")
    assert agree >= 0.5, agree
