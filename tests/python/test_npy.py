"""The CLI's .npy reader (tools/npy.c) is strict: crafted files with bad shapes, headers or sizes
are refused with a message saying what is wrong (exit status 1, never a crash and never a run on
a misread shape), and every well-formed variant NumPy's format allows is read right: key order,
spacing, quotes, versions 1.0/2.0/3.0, Fortran order (converted to C order). The oracle is torch
eager on the array NumPy itself reads."""
import os
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn

import ember

REPO = Path(__file__).resolve().parents[2]
EMBER = REPO / "build" / "bin" / "ember"

SHAPE = (2, 3)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A (2, 3) float32 -> (2, 4) linear model, its .pte and a non-symmetric input."""
    torch.manual_seed(11)
    net = nn.Linear(3, 4).eval()
    x = torch.arange(6, dtype=torch.float32).reshape(SHAPE) / 4 - 0.5
    pte = tmp_path_factory.mktemp("npy") / "linear.pte"
    ember.export(net, (x,)).save(pte)
    return net, x.numpy(), pte


def _npy(header: str, data: bytes, version=(1, 0), pad: bool = True) -> bytes:
    """A .npy file with this exact header text (a newline is added when `pad`)."""
    text = header.encode("latin1")
    if pad:
        prefix = 10 if version[0] == 1 else 12
        text += b" " * ((64 - (prefix + len(text) + 1) % 64) % 64) + b"\n"
    length = struct.pack("<H", len(text)) if version[0] == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes(version) + length + text + data


def _run(pte: Path, npy: Path, out: Path):
    r = subprocess.run([str(EMBER), "run", str(pte), "--input", str(npy), "--output-dir", str(out)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode in (0, 1, 2), f"crashed ({r.returncode}): {r.stderr}"
    return r


def _expect_output(model, tmp_path, content: bytes, want_input: np.ndarray) -> None:
    net, _, pte = model
    f = tmp_path / "in.npy"
    f.write_bytes(content)
    r = _run(pte, f, tmp_path / "out")
    assert r.returncode == 0, r.stderr
    with torch.no_grad():
        want = net(torch.from_numpy(np.ascontiguousarray(want_input))).numpy()
    got = np.load(tmp_path / "out" / "output_0.npy")
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-5


def _expect_refused(model, tmp_path, content: bytes, message: str) -> None:
    _, _, pte = model
    f = tmp_path / "in.npy"
    f.write_bytes(content)
    r = _run(pte, f, tmp_path / "out")
    assert r.returncode == 1, f"accepted: {r.stdout}"
    assert message in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_numpy_written_files_are_read(model, tmp_path):
    _, x, _ = model
    f = tmp_path / "x.npy"
    np.save(f, x)
    _expect_output(model, tmp_path, f.read_bytes(), x)
    np.save(f, np.asfortranarray(x))  # fortran_order: True, data column-major
    assert b"'fortran_order': True" in f.read_bytes()[:128]
    _expect_output(model, tmp_path, f.read_bytes(), x)


@pytest.mark.parametrize("header", [
    "{'fortran_order':False,'shape':(2,3),'descr':'<f4'}",              # any order, no spaces
    '{"descr": "<f4", "fortran_order": False, "shape": (2, 3,), }',     # double quotes, commas
    "{ 'shape' : ( 2 , 3 ) , 'descr' : '<f4' , 'fortran_order' : False }",
])
def test_header_spellings(model, tmp_path, header):
    _, x, _ = model
    _expect_output(model, tmp_path, _npy(header, x.tobytes()), x)


@pytest.mark.parametrize("version", [(2, 0), (3, 0)])
def test_versions_2_and_3(model, tmp_path, version):
    _, x, _ = model
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
    _expect_output(model, tmp_path, _npy(header, x.tobytes(), version=version), x)


def test_fortran_order_without_space_is_true(model, tmp_path):
    """'fortran_order':True (no space) was read as False: the data then ran transposed."""
    _, x, _ = model
    data = np.asfortranarray(x).tobytes(order="F")
    assert data != x.tobytes()
    _expect_output(model, tmp_path, _npy("{'descr':'<f4','fortran_order':True,'shape':(2,3)}", data), x)


H = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }"
DATA = bytes(24)


MALFORMED = [
    # shapes: signs, 32-bit wrap-around and overflow were read as (2, 3) and ran
    (_npy(H % "(-2, 3)", DATA), "shape entry 0 is not a non-negative integer"),
    (_npy(H % "(+2, 3)", DATA), "shape entry 0 is not a non-negative integer"),
    (_npy(H % "(4294967298, 3)", DATA), "shape entry 0 is larger than 2147483647"),
    (_npy(H % "(2, 99999999999999999999999)", DATA), "shape entry 1 is larger than 2147483647"),
    (_npy(H % "(2.0, 3)", DATA), "shape entry 0 is not a plain integer"),
    (_npy(H % "(2 3)", DATA), "expected ',' or ')' in 'shape'"),
    (_npy(H % "(6)", DATA), "is not a tuple"),
    (_npy(H % "[2, 3]", DATA), "expected '(' to open 'shape'"),
    (_npy(H % "(02, 3)", DATA), "leading zero"),
    (_npy(H % "(2, 3", DATA), "shape entry 2 is not a non-negative integer"),
    (_npy(H % "(1, 1, 1, 1, 1, 1, 1, 2, 3)", DATA), "rank above 8"),
    # sizes: the data must be exactly what the shape says
    (_npy(H % "(2, 3)", bytes(20)), "needs 24 data bytes but the file has 20 after the header (truncated data)"),
    (_npy(H % "(2, 3)", bytes(28)), "needs 24 data bytes but the file has 28 after the header (trailing data)"),
    (_npy(H % "(100000, 100000)", DATA), "needs 40000000000 data bytes but the file has 24"),
    (_npy(H % "(2147483647, 2147483647, 2147483647, 2147483647)", DATA), "byte count overflows"),
    # the header: keys, values, terminator
    (_npy(H % "(2, 3)", DATA, pad=False), "not terminated by a newline"),
    (_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}", DATA),
     "unexpected key 'extra'"),
    (_npy("{'descr': '<f4', 'shape': (2, 3)}", DATA), "missing key 'fortran_order'"),
    (_npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", DATA),
     "repeated key 'descr'"),
    (_npy("{'descr': '<f4', 'fortran_order': Fals, 'shape': (2, 3)}", DATA), "is not True or False"),
    (_npy("{'descr': '<f4', 'fortran_order': Truest, 'shape': (2, 3)}", DATA), "is not True or False"),
    (_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk", DATA), "text after the closing '}'"),
    (_npy("{'descr': '<f4' 'fortran_order': False, 'shape': (2, 3)}", DATA), "expected ',' or '}'"),
    (_npy("{'descr: '<f4', 'fortran_order': False, 'shape': (2, 3)}", DATA), "expected ':' after a key"),
    (_npy("('descr', '<f4')", DATA), "expected '{'"),
    # dtypes
    (_npy(H.replace("<f4", ">f4") % "(2, 3)", DATA), "big-endian dtype '>f4' is not supported"),
    (_npy(H.replace("<f4", "<c8") % "(2, 3)", DATA), "dtype '<c8' is not supported"),
    (_npy(H.replace("'<f4'", "[('a', '<f4')]") % "(2, 3)", DATA), "structured dtypes are not supported"),
    # the prefix
    (b"\x93NUMPX\x01\x00" + bytes(100), "not a .npy file"),
    (b"\x93NUMPY\x01", "not a .npy file"),
    (_npy(H % "(2, 3)", DATA, version=(4, 0)), "unsupported .npy format version 4.0"),
    (b"\x93NUMPY\x01\x00\xe8\x03{'descr'", "truncated header (1000 bytes claimed"),
    (b"\x93NUMPY\x02\x00\xff\xff\xff\x7f" + bytes(64), "header of 2147483647 bytes is longer than 65536"),
]
MALFORMED_IDS = [
    "negative", "plus_sign", "wraps_to_2", "overflow", "float", "no_comma", "not_tuple", "list",
    "leading_zero", "unclosed", "rank_9", "truncated_data", "trailing_data", "huge_shape",
    "shape_overflow", "no_newline", "extra_key", "missing_key", "repeated_key", "bad_bool",
    "bool_prefix", "text_after", "no_comma_between", "unclosed_key", "not_dict", "big_endian",
    "complex", "structured", "bad_magic", "short_file", "version_4", "header_past_end",
    "header_too_long",
]
assert len(MALFORMED) == len(MALFORMED_IDS)


@pytest.mark.parametrize("content, message", MALFORMED, ids=MALFORMED_IDS)
def test_malformed_files_are_refused(model, tmp_path, content, message):
    _expect_refused(model, tmp_path, content, message)


def test_big_endian_file_from_numpy(model, tmp_path):
    _, x, _ = model
    f = tmp_path / "be.npy"
    np.save(f, x.astype(">f4"))
    _expect_refused(model, tmp_path, f.read_bytes(), "big-endian dtype '>f4' is not supported")


def test_directory_and_fifo_are_refused(model, tmp_path):
    _, _, pte = model
    r = _run(pte, tmp_path, tmp_path / "out")
    assert r.returncode == 1 and "is a directory, not a .npy file" in r.stderr, r.stderr
    fifo = tmp_path / "fifo.npy"
    os.mkfifo(fifo)
    r = _run(pte, fifo, tmp_path / "out")  # must not block waiting for a writer
    assert r.returncode == 1 and "is not a regular file" in r.stderr, r.stderr
