"""`ember pte2c`: a program as a C header for firmware. The header is compiled here into a host
program that loads the array with libember (in place: ember_program_load on the array itself),
sizes its buffers from the header's macros, runs the method on the header's input and compares
every output byte with the header's expected output, which is `ember run`'s output of the same
file — so the test checks the bytes, the alignment, the planned sizes and the test vectors
together. The firmware tests (targets/cortex-m55, make test-m55) use the same header on a
Cortex-M55 under QEMU. Bad usage exits 2; a bundled program, a bad --name or an unreadable
.npy is a message and exit 1 (or 2), and no half-written header is left behind."""
import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EMBER = REPO / "build" / "bin" / "ember"
LIB = REPO / "build" / "lib" / "libember.a"
DATA = REPO / "tests" / "data"

RUNNER = r"""
#include <stdio.h>
#include <string.h>
#include "ember/ember.h"
#include MODEL_H

static unsigned char book[1 << 20];
static unsigned char arena[model_ARENA_BYTES + EMBER_BUFFER_ALIGN] __attribute__((aligned(64)));

int main(void)
{
    static ember_program program;
    if (((unsigned long)model) % 16) return 10; /* the array is 16-byte aligned */
    if (ember_program_load(&program, model, model_BYTES)) return 11;
    ember_method_requirements req;
    if (ember_method_requirements_get(&program, model_METHOD, &req)) return 12;
    if (req.num_buffers != model_NUM_BUFFERS || req.bookkeeping_bytes > sizeof book) return 13;
    void* buffers[EMBER_MAX_BUFFERS] = {0};
    size_t used = 0;
    for (size_t i = 1; i < req.num_buffers; i++) {
        buffers[i] = arena + used;
        used += (req.buffer_bytes[i] + EMBER_BUFFER_ALIGN - 1) / EMBER_BUFFER_ALIGN * EMBER_BUFFER_ALIGN;
    }
    if (used != model_ARENA_BYTES) return 14;
    ember_method* m;
    if (ember_method_load(&program, model_METHOD, book, req.bookkeeping_bytes, buffers, req.num_buffers, &m))
        return 15;
    for (int i = 0; i < model_NUM_INPUTS; i++)
        if (ember_method_set_input(m, (size_t)i, (ember_dtype)model_input_dtypes[i], (size_t)model_input_dims[i],
                                   model_input_sizes[i], model_inputs[i]))
            return 16;
    if (ember_method_execute(m)) return 17;
    for (int i = 0; i < model_NUM_EXPECTED; i++) {
        const ember_tensor* out;
        if (ember_method_output(m, (size_t)i, &out)) return 18;
        size_t bytes = (size_t)out->numel * ember_dtype_size(out->dtype);
        if (bytes != model_expect_bytes[i] || out->dtype != model_expect_dtypes[i]) return 19;
        if (memcmp(out->data, model_expects[i], bytes)) return 20;
    }
    printf("ok %zu %zu\n", (size_t)model_BYTES, (size_t)model_ARENA_BYTES);
    return 0;
}
"""


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(EMBER), *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", ["et_cm_ds_cnn", "et_lenet"])
def test_header_runs_on_the_host(tmp_path, name):
    pte, x = DATA / f"{name}.pte", DATA / f"{name}.in0.npy"
    r = _cli("run", pte, "--input", x, "--output-dir", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    header = tmp_path / "model.h"
    r = _cli("pte2c", pte, "-o", header, "--name", "model", "--input", x, "--expect", tmp_path / "out" / "output_0.npy")
    assert r.returncode == 0, r.stderr
    text = header.read_text()
    assert f"#define model_BYTES {pte.stat().st_size}u" in text
    assert "__attribute__((aligned(16)))" in text
    src = tmp_path / "runner.c"
    src.write_text(RUNNER)
    exe = tmp_path / "runner"
    cc = subprocess.run(["cc", "-std=c11", "-O1", "-Wall", "-Werror", f'-DMODEL_H="{header}"', "-I", REPO / "include",
                         "-I", REPO, src, LIB, "-lm", "-lpthread", "-o", exe], capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (run.returncode, run.stdout, run.stderr)
    assert run.stdout.startswith("ok ")


def test_default_name_and_planned_sizes(tmp_path):
    pte = DATA / "et_cm_mlp.pte"
    header = tmp_path / "m.h"
    r = _cli("pte2c", pte, "-o", header)
    assert r.returncode == 0, r.stderr
    text = header.read_text()
    assert "static const uint8_t et_cm_mlp[" in text and "#define et_cm_mlp_NUM_INPUTS 0" in text
    # the planned sizes are what inspect reports
    planned = json.loads(_cli("inspect", pte, "--json").stdout)["methods"][0]["planned_buffer_bytes"]
    defines = dict(line.split()[1:3] for line in text.splitlines() if line.startswith("#define et_cm_mlp_BUFFER_"))
    assert [int(defines[f"et_cm_mlp_BUFFER_{i}_BYTES"].rstrip("u")) for i in range(len(planned))] == planned
    assert f"#define et_cm_mlp_NUM_BUFFERS {len(planned)}u" in text

def test_bad_usage(tmp_path):
    pte = DATA / "et_cm_mlp.pte"
    assert _cli("pte2c", pte).returncode == 2  # no -o
    assert _cli("pte2c", "-o", tmp_path / "x.h").returncode == 2  # no model
    assert _cli("pte2c", pte, "-o", tmp_path / "x.h", "--name", "9bad").returncode == 2
    assert _cli("pte2c", pte, "-o", tmp_path / "x.h", "--bogus").returncode == 2
    r = _cli("pte2c", DATA / "bundled_mlp.bpte", "-o", tmp_path / "b.h")
    assert r.returncode == 1 and "bundled" in r.stderr
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"not an npy file")
    r = _cli("pte2c", pte, "-o", tmp_path / "c.h", "--input", bad)
    assert r.returncode == 1 and not (tmp_path / "c.h").exists()
    r = _cli("pte2c", tmp_path / "missing.pte", "-o", tmp_path / "d.h")
    assert r.returncode == 1 and not (tmp_path / "d.h").exists()
    r = _cli("help", "pte2c")
    assert r.returncode == 0 and "16-byte aligned const" in r.stdout


def test_inspect_ops_lists_each_operator_once():
    """`ember inspect --ops`: the operators of every method, sorted, each once — the list a
    selective build (targets/cortex-m55/select_ops.cmake) turns into the kernel table."""
    for name in ("et_cm_ds_cnn", "et_lenet", "ember_ds_cnn_int8"):
        pte = DATA / f"{name}.pte"
        r = _cli("inspect", "--ops", pte)
        assert r.returncode == 0, r.stderr
        listed = r.stdout.splitlines()
        methods = json.loads(_cli("inspect", pte, "--json").stdout)["methods"]
        assert listed == sorted({op for m in methods for op in m["operators"]})
    r = _cli("inspect", "--ops", "--json", DATA / "et_lenet.pte")
    assert r.returncode == 2 and "exclude each other" in r.stderr
