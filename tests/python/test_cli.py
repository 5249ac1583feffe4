"""The `ember` CLI (build/bin/ember): run writes outputs equal to torch eager's; inspect shows
what the exporter planned (the same numbers as ExportedProgram.report_dict), OPT-125M included;
bad input gives a message and a non-zero exit, never a crash; help exits 0 and bad usage 2; the
model file is mapped (inspect touches no weight page) and inspect allocates no planned memory;
failed or unjustified allocations are messages, not crashes; --threads N gives the same bytes
for any N."""
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import ember
import zoo
from ember import ir
from ember.capture import capture
from ember.emit import emit
from ember.lower import lower
from ember.plan import plan

REPO = Path(__file__).resolve().parents[2]
EMBER = REPO / "build" / "bin" / "ember"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EMBER), *args], capture_output=True, text=True, timeout=300)


def _inspect(path: Path) -> dict:
    r = _cli("inspect", str(path), "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _check_inspect_matches_report(info: dict, prog: ember.ExportedProgram) -> None:
    rep = prog.report_dict()
    (method,) = info["methods"]
    assert info["file_bytes"] == rep["file_bytes"] == len(prog.buffer)
    # The CLI counts the constant segment as stored: tensor bytes plus < 16 bytes of alignment
    # padding between consecutive tensors.
    padding = info["constant_bytes"] - rep["constant_bytes"]
    assert 0 <= padding < 16 * max(1, rep["constant_tensors"])
    assert method["planned_buffer_bytes"] == rep["planned_bytes"]
    assert method["planned_bytes"] == rep["planned_peak_bytes"]
    assert [i["shape"] for i in method["inputs"]] == [list(i["shape"]) for i in rep["inputs"]]
    assert [o["shape"] for o in method["outputs"]] == [list(o["shape"]) for o in rep["outputs"]]
    assert set(method["operators"]) == {op["name"] for op in rep["ops"]}
    assert method["bookkeeping_bytes"] > 0 and method["delegates"] == []


def test_run_writes_outputs_equal_to_torch(tmp_path):
    model, inputs = zoo.lenet()
    prog = ember.export(model, inputs)
    pte = tmp_path / "lenet.pte"
    prog.save(pte)
    np.save(tmp_path / "x.npy", inputs[0].numpy())
    r = _cli("run", str(pte), "--input", str(tmp_path / "x.npy"), "--output-dir", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "output 0: float32 (1, 10)" in r.stdout
    got = np.load(tmp_path / "out" / "output_0.npy")
    with torch.no_grad():
        want = model(*inputs).numpy()
    assert got.shape == want.shape and np.abs(got - want).max() <= 1e-4 * max(1.0, np.abs(want).max())
    _check_inspect_matches_report(_inspect(pte), prog)


def test_run_summarises_half_outputs(tmp_path):
    """float16 and bfloat16 outputs are summarised with their values (bfloat16 has no .npy type,
    so only the summary shows it)."""

    class Halves(torch.nn.Module):
        def forward(self, x):
            return (x * 2).to(torch.float16), (x - 1).to(torch.bfloat16)

    x = torch.tensor([[0.5, -1.25, 3.0]])
    pte = tmp_path / "halves.pte"
    ember.export(Halves(), (x,)).save(pte)
    np.save(tmp_path / "x.npy", x.numpy())
    r = _cli("run", str(pte), "--input", str(tmp_path / "x.npy"))
    assert r.returncode == 0, r.stderr
    assert "output 0: float16 (1, 3)" in r.stdout and "output 1: bfloat16 (1, 3)" in r.stdout
    assert "1, -2.5, 6" in r.stdout and "-0.5, -2.25, 2" in r.stdout, r.stdout
    assert "nan" not in r.stdout.lower()


@pytest.fixture(scope="module")
def opt125m(tmp_path_factory):
    """OPT-125M exported once (~1 min) for the inspect test and the binding's RSS test."""
    model, inputs = zoo.opt125m()
    prog = ember.export(model, inputs)
    pte = tmp_path_factory.mktemp("opt125m") / "opt125m.pte"
    prog.save(pte)
    ids = pte.with_name("ids.npy")
    np.save(ids, inputs[0].numpy())
    del model
    return prog, pte, ids


def test_inspect_opt125m_shows_planned_memory(opt125m):
    prog, pte, _ = opt125m
    info = _inspect(pte)
    _check_inspect_matches_report(info, prog)
    (method,) = info["methods"]
    rep = prog.report_dict()
    # Planning reuses memory: the planned peak is well under the sum of all activations.
    assert method["planned_bytes"] < rep["naive_bytes"] / 2
    text = _cli("inspect", str(pte))
    assert text.returncode == 0
    assert f"planned total: {method['planned_bytes']} bytes" in text.stdout
    assert "aten::embedding.out" in text.stdout
    print(f"\n[opt125m] ember inspect: planned {method['planned_bytes']} B "
          f"(naive {rep['naive_bytes']} B), constants {info['constant_bytes']} B, "
          f"bookkeeping {method['bookkeeping_bytes']} B")


# Runs in a fresh interpreter that imports only ember.runtime (numpy, no torch): RSS from
# /proc/self/status before ember.load, after it and a method load, and after one run.
_RSS_PROBE = """
import json, sys
import numpy as np
from ember import runtime

def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS:"))

pte, ids = sys.argv[1], sys.argv[2]
x = np.load(ids)
before = rss()
prog = runtime.load(pte)
method = prog.method("forward")
after_load = rss()
(logits,) = method.run(x)
after_run = rss()
assert "torch" not in sys.modules
print(json.dumps({"before": before, "after_load": after_load, "after_run": after_run,
                  "file": prog.file_bytes, "planned": sum(method.buffer_bytes),
                  "logits_bytes": logits.nbytes}))
"""


def test_binding_rss_opt125m(opt125m):
    """The binding maps the file and allocates only the planned memory: loading and running
    OPT-125M grows RSS by at most file + planned + 32 MiB (the weights are read in place, not
    copied), and loading alone touches well under half the file (no read into bytes)."""
    _, pte, ids = opt125m
    env = dict(os.environ, PYTHONPATH=str(REPO / "python"))
    r = subprocess.run([sys.executable, "-c", _RSS_PROBE, str(pte), str(ids)], capture_output=True,
                       text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    mib = 1 << 20
    bound = m["file"] + m["planned"] + 32 * mib
    print(f"\n[opt125m] binding RSS: before {m['before'] / mib:.1f} MiB, after load "
          f"{m['after_load'] / mib:.1f} MiB (+{(m['after_load'] - m['before']) / mib:.1f}), after run "
          f"{m['after_run'] / mib:.1f} MiB (+{(m['after_run'] - m['before']) / mib:.1f}); file "
          f"{m['file'] / mib:.1f} MiB, planned {m['planned'] / mib:.1f} MiB, bound +{bound / mib:.1f} MiB")
    assert m["after_load"] - m["before"] <= bound
    assert m["after_run"] - m["before"] <= bound
    assert m["after_load"] - m["before"] < m["file"] / 2


@pytest.mark.parametrize("case", ["wrong_dtype", "wrong_count", "not_pte", "missing_file"])
def test_run_rejects_bad_input(tmp_path, case):
    model, inputs = zoo.mlp()
    pte = tmp_path / "mlp.pte"
    ember.export(model, inputs).save(pte)
    x = tmp_path / "x.npy"
    np.save(x, inputs[0].numpy())
    if case == "wrong_dtype":
        np.save(x, inputs[0].numpy().astype(np.float64))
        args = ["run", str(pte), "--input", str(x)]
        expect = "expected dtype float32, got float64"
    elif case == "wrong_count":
        args = ["run", str(pte), "--input", str(x), "--input", str(x)]
        expect = "takes 1 inputs, 2 given"
    elif case == "not_pte":
        args = ["run", str(x), "--input", str(x)]
        expect = "not an ExecuTorch ET12 program"
    else:
        args = ["inspect", str(tmp_path / "nope.pte")]
        expect = "cannot open"
    r = _cli(*args)
    assert r.returncode == 1
    assert expect in r.stderr, r.stderr


# ---- usage, files that are not programs, memory ------------------------------------------


@pytest.mark.parametrize("args, shows", [
    (["--help"], "ember inspect"), (["-h"], "ember inspect"), (["help"], "ember inspect"),
    (["help", "run"], "--output-dir"), (["run", "--help"], "--output-dir"),
    (["inspect", "--help"], "without allocating the planned memory"),
    (["run", "model.pte", "--input", "x.npy", "-h"], "--output-dir"),
])
def test_help_prints_usage_and_exits_0(args, shows):
    r = _cli(*args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage:") and shows in r.stdout and r.stderr == ""


@pytest.mark.parametrize("args, message", [
    ([], None), (["frobnicate"], "unknown command 'frobnicate'"), (["run"], "no model given"),
    (["run", "a.pte", "--bogus"], "unknown option '--bogus'"),
    (["run", "a.pte", "--input"], "missing the value of '--input'"),
    (["run", "a.pte", "b.pte"], "more than one model given: 'b.pte'"),
    (["inspect"], "no model given"), (["inspect", "a.pte", "--yaml"], "unknown option '--yaml'"),
    (["help", "frobnicate"], "no help for 'frobnicate'"),
    (["run", "a.pte", "--threads", "0"], "--threads takes a whole number from 1 to 1024, not '0'"),
    (["run", "a.pte", "--threads", "x"], "--threads takes a whole number from 1 to 1024, not 'x'"),
    (["profile", "a.pte", "--threads", "2000"], "--threads takes a whole number from 1 to 1024, not '2000'"),
    (["run", "a.pte", "--threads"], "missing the value of '--threads'"),
])
def test_bad_usage_exits_2(args, message):
    r = _cli(*args)
    assert r.returncode == 2
    assert "usage:" in r.stderr and r.stdout == ""
    if message:
        assert message in r.stderr, r.stderr


class _Mlp(torch.nn.Module):
    """Linears big enough to be split over threads (64 x 256 x 700 multiply-adds and more), with
    an output width that is no multiple of the 12-column task."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(256, 700)
        self.b = torch.nn.Linear(700, 333)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)))


def test_run_threads_give_the_same_bytes(tmp_path):
    torch.manual_seed(0)
    model, x = _Mlp().eval(), torch.randn(64, 256)
    pte = tmp_path / "mlp.pte"
    ember.export(model, (x,)).save(pte)
    np.save(tmp_path / "x.npy", x.numpy())
    outs = []
    for n in ("1", "2", "3", None):  # None: the default, the CPUs this process may use
        d = tmp_path / f"out{n}"
        r = _cli("run", str(pte), "--input", str(tmp_path / "x.npy"), "--output-dir", str(d),
                 *(["--threads", n] if n else []))
        assert r.returncode == 0, r.stderr
        outs.append(np.load(d / "output_0.npy"))
    with torch.no_grad():
        want = model(x).numpy()
    assert np.abs(outs[0] - want).max() <= 1e-4 * max(1.0, np.abs(want).max())
    for got in outs[1:]:
        assert got.tobytes() == outs[0].tobytes()
    r = _cli("profile", str(pte), "--threads", "2", "--runs", "2", "--warmup", "0")
    assert r.returncode == 0 and "aten::linear.out" in r.stdout, r.stderr


def test_packed_weights_and_no_pack(tmp_path):
    """inspect reports the packed weights' bytes (two 3x3 convolutions: Winograd on x86 with
    AVX2+FMA); run packs them by default and --no-pack runs from the file's layout: both match
    torch. profile and bench take --no-pack too."""
    torch.manual_seed(3)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(16, 24, 3, padding=1), nn.ReLU(), nn.Conv2d(24, 8, 3)).eval()
    x = torch.randn(1, 16, 11, 10)
    pte = tmp_path / "conv.pte"
    ember.export(model, (x,)).save(pte)
    np.save(tmp_path / "x.npy", x.numpy())
    (method,) = _inspect(pte)["methods"]
    feats = set(ember.runtime.cpu_features())
    assert (method["packed_weight_bytes"] > 0) == ({"avx2", "fma"} <= feats)
    text = _cli("inspect", str(pte)).stdout
    assert ("packed weights:" in text) == (method["packed_weight_bytes"] > 0)
    with torch.no_grad():
        want = model(x).numpy()
    for flags in ((), ("--no-pack",)):
        d = tmp_path / ("out" + "".join(flags))
        r = _cli("run", str(pte), "--input", str(tmp_path / "x.npy"), "--output-dir", str(d), *flags)
        assert r.returncode == 0, r.stderr
        got = np.load(d / "output_0.npy")
        assert np.abs(got - want).max() <= 1e-4 * max(1.0, np.abs(want).max())
    for cmd, count in (("profile", "--runs"), ("bench", "--iters")):
        r = _cli(cmd, str(pte), "--no-pack", count, "2", "--warmup", "0")
        assert r.returncode == 0, r.stderr


def test_model_must_be_a_regular_file(tmp_path):
    fifo = tmp_path / "fifo.pte"
    os.mkfifo(fifo)
    empty = tmp_path / "empty.pte"
    empty.write_bytes(b"")
    for cmd in ("inspect", "run"):
        r = _cli(cmd, str(tmp_path))
        assert r.returncode == 1 and "is a directory, not a .pte file" in r.stderr, r.stderr
        r = _cli(cmd, str(fifo))  # must not block waiting for a writer
        assert r.returncode == 1 and "is not a regular file" in r.stderr, r.stderr
        r = _cli(cmd, str(empty))
        assert r.returncode == 1 and "cannot load" in r.stderr, r.stderr


class _Repeat(torch.nn.Module):
    """(1, 1, 1024) -> (256, 1024, 1024) float32: 4 KiB in, 1 GiB of planned memory out."""

    def __init__(self, times=(256, 1024, 1)):
        super().__init__()
        self.times = times

    def forward(self, x):
        return x.repeat(*self.times)


def _limited(limit_bytes: int):
    def set_limit():
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    return set_limit


def test_inspect_allocates_no_planned_memory_and_run_reports_failed_allocation(tmp_path):
    pte = tmp_path / "repeat.pte"
    ember.export(_Repeat(), (torch.randn(1, 1, 1024),)).save(pte)
    limit = 256 << 20  # address space: far less than the 1 GiB the method plans
    r = subprocess.run([str(EMBER), "inspect", str(pte), "--json"], capture_output=True, text=True,
                       timeout=60, preexec_fn=_limited(limit))
    assert r.returncode == 0, r.stderr
    (method,) = json.loads(r.stdout)["methods"]
    assert method["planned_bytes"] >= 1 << 30 and "error" not in method
    x = tmp_path / "x.npy"
    np.save(x, np.ones((1, 1, 1024), np.float32))
    r = subprocess.run([str(EMBER), "run", str(pte), "--input", str(x)], capture_output=True,
                       text=True, timeout=60, preexec_fn=_limited(limit))
    assert r.returncode == 1
    assert "ember: cannot allocate planned buffer 1 (" in r.stderr and "for method 'forward'" in r.stderr


def test_run_refuses_more_planned_memory_than_ram(tmp_path):
    """A file may claim any planned size; more than the machine's RAM is refused up front."""
    model, inputs = zoo.mlp()
    constants = ir.ConstantTable()
    method = lower(capture(model, inputs), "forward", constants)
    plan(method)
    method.non_const_buffer_sizes = [0, 1 << 50]  # 1 PiB: the tensors fit, the claim is absurd
    pte = tmp_path / "claims.pte"
    pte.write_bytes(emit(ir.Program(methods=[method], constants=constants)))
    x = tmp_path / "x.npy"
    np.save(x, inputs[0].numpy())
    r = _cli("inspect", str(pte), "--json")  # inspect allocates no planned memory: fine
    assert r.returncode == 0 and json.loads(r.stdout)["methods"][0]["planned_bytes"] == 1 << 50
    r = _cli("run", str(pte), "--input", str(x))
    assert r.returncode == 1
    assert f"asks for {1 << 50} bytes of planned memory, more than this machine's" in r.stderr, r.stderr


def test_inspect_maps_the_file_instead_of_reading_it(tmp_path):
    """A 64 MiB weight is never touched by inspect: mapped, its pages are not resident; read
    into memory (as before) they would be."""
    torch.manual_seed(2)
    pte = tmp_path / "wide.pte"
    ember.export(torch.nn.Linear(4096, 4096), (torch.randn(1, 4096),)).save(pte)
    size = pte.stat().st_size
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
             "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, str(EMBER), "inspect", str(pte)],
                         capture_output=True, text=True, timeout=60, check=True)
    max_rss = int(out.stdout) * 1024
    print(f"\n[inspect] file {size} B, CLI max RSS {max_rss} B")
    assert max_rss < size / 4


def test_inspect_json_is_valid_for_any_method_name(tmp_path):
    """Names come from an untrusted file: bytes that are not UTF-8 become U+FFFD and quotes are
    escaped, so `inspect --json` always prints JSON."""
    data = bytearray((REPO / "tests" / "data" / "fixtures" / "mlp.pte").read_bytes())
    at = data.find(b"forward")
    data[at:at + 7] = b'f\xffr"\xc3\xa9d'  # an invalid byte, a quote, a valid two-byte character
    path = tmp_path / "names.pte"
    path.write_bytes(data)
    r = _cli("inspect", str(path), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["methods"][0]["name"] == 'f\ufffdr"\u00e9d'


# ---- help for every command; --output-dir ------------------------------------------------------

COMMANDS = ["run", "inspect", "test-bundle", "profile", "bench", "pte2c", "version", "help"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("form", ["CMD --help", "CMD -h", "help CMD", "CMD model.pte --help"])
def test_every_command_has_help(command, form):
    args = [a if a != "CMD" else command for a in form.split()]
    if command in ("version", "help") and "model.pte" in args:
        args.remove("model.pte")
    r = _cli(*args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage:") and f"ember {command}" in r.stdout and r.stderr == ""


def test_general_help_lists_every_command():
    r = _cli("--help")
    assert r.returncode == 0
    for command in COMMANDS:
        assert f"  ember {command}" in r.stdout


def _lenet_files(tmp_path):
    data = REPO / "tests" / "data"
    return str(data / "et_lenet.pte"), str(data / "et_lenet.in0.npy"), np.load(data / "et_lenet.out0.npy")


def test_output_dir_gets_its_missing_parents(tmp_path):
    pte, x, want = _lenet_files(tmp_path)
    out = tmp_path / "a" / "b" / "c"
    r = _cli("run", pte, "--input", x, "--output-dir", str(out))
    assert r.returncode == 0, r.stderr
    assert f"  wrote {out}/output_0.npy" in r.stdout.splitlines()
    got = np.load(out / "output_0.npy")
    assert np.abs(got - want).max() <= 1e-4 * max(1.0, np.abs(want).max())


@pytest.mark.parametrize("suffix", ["/", "//", "/./", "/./."])
def test_output_dir_path_is_printed_normalised(tmp_path, suffix):
    pte, x, _ = _lenet_files(tmp_path)
    out = tmp_path / "out"
    r = _cli("run", pte, "--input", x, "--output-dir", str(out) + suffix)
    assert r.returncode == 0, r.stderr
    wrote = [line.strip() for line in r.stdout.splitlines() if "wrote" in line]
    assert wrote == [f"wrote {out}/output_0.npy"] and "//" not in r.stdout
    assert (out / "output_0.npy").exists()


def test_output_dir_that_cannot_be_made_fails_before_the_run(tmp_path):
    pte, x, _ = _lenet_files(tmp_path)
    (tmp_path / "file").write_text("not a directory")
    r = _cli("run", pte, "--input", x, "--output-dir", str(tmp_path / "file" / "sub"))
    assert r.returncode == 1
    assert f"cannot create the output directory {tmp_path}/file/sub: {tmp_path}/file is not a directory" in r.stderr
    assert "output 0" not in r.stdout  # failed early: the model did not run
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        r = _cli("run", pte, "--input", x, "--output-dir", str(ro / "x"))
        assert r.returncode == 1 and "cannot create the output directory" in r.stderr and "output 0" not in r.stdout


# ---- options: one table-driven parser for every command, one wording for each error ------------

_VALUE_OPTIONS = {
    "run": ["--input", "--output-dir", "--method", "--threads"],
    "test-bundle": ["--rtol", "--atol", "--method"],
    "profile": ["--input", "--method", "--runs", "--warmup", "--threads", "--json", "--csv"],
    "bench": ["--input", "--method", "--iters", "--warmup", "--threads", "--json", "--csv"],
}


def _usage_error(args, message, command):
    r = _cli(*args)
    assert r.returncode == 2, (args, r.stderr)
    assert r.stdout == "" and f"ember: {message}\n" in r.stderr, (args, r.stderr)
    assert f"usage:\n  ember {command}" in r.stderr, r.stderr


@pytest.mark.parametrize("command", ["run", "inspect", "test-bundle", "profile", "bench", "version"])
def test_unknown_option_is_one_message_everywhere(command):
    model = [] if command == "version" else ["a.pte"]
    _usage_error([command, *model, "--nope"], "unknown option '--nope'", command)
    if command == "version":  # version takes no model either
        _usage_error([command, "a.pte"], "unknown option 'a.pte'", command)


@pytest.mark.parametrize("command, option",
                         [(c, o) for c, options in _VALUE_OPTIONS.items() for o in options])
def test_missing_value_is_one_message_everywhere(command, option):
    _usage_error([command, "a.pte", option], f"missing the value of '{option}'", command)


@pytest.mark.parametrize("command, option, value, wants", [
    (c, "--threads", v, "a whole number from 1 to 1024")
    for c in ("run", "profile", "bench") for v in ("0", "1025", "x", "1.5", "", "-2", "3x")
] + [
    ("profile", "--runs", v, "a whole number >= 1") for v in ("0", "-1", "ten", "100000001")
] + [
    ("bench", "--iters", v, "a whole number >= 1") for v in ("0", "2.5", "99999999999999999999")
] + [
    (c, "--warmup", v, "a whole number >= 0") for c in ("profile", "bench") for v in ("-1", "w")
] + [
    ("test-bundle", o, v, "a number >= 0") for o in ("--rtol", "--atol")
    for v in ("-1e-3", "nan", "inf", "x", "1e999", "")
])
def test_bad_number_is_one_message_everywhere(command, option, value, wants):
    _usage_error([command, "a.pte", option, value], f"{option} takes {wants}, not '{value}'", command)


@pytest.mark.parametrize("command", ["run", "profile", "bench"])
def test_too_many_inputs(command):
    _usage_error([command, "a.pte", *["--input", "x.npy"] * 65], "too many inputs (at most 64)", command)


@pytest.mark.parametrize("command", ["run", "inspect", "test-bundle", "profile", "bench"])
def test_second_model_and_no_model(command):
    _usage_error([command, "a.pte", "b.pte"], "more than one model given: 'b.pte'", command)
    none = "no bundled program given" if command == "test-bundle" else "no model given"
    _usage_error([command], none, command)


def test_option_values_are_taken_as_given(tmp_path):
    """A value that looks like an option is the option's value (here a method named -h), the last
    of a repeated option wins, and numbers at the ends of their ranges pass."""
    pte, x, _ = _lenet_files(tmp_path)
    r = _cli("run", pte, "--input", x, "--method", "-h")
    assert r.returncode == 1 and "'-h'" in r.stderr and r.stdout == "", r.stderr
    r = _cli("run", pte, "--method", "nope", "--input", x, "--method", "forward", "--threads", "1024")
    assert r.returncode == 0, r.stderr
    r = _cli("bench", pte, "--iters", "1", "--warmup", "0", "--threads", "1", "--iters", "2")
    assert r.returncode == 0 and "2 iterations" in r.stdout, r.stdout + r.stderr
