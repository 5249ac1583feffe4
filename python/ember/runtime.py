"""ctypes binding over libember: load a .pte and run it from Python, without torch.

    prog = ember.load("model.pte")          # or bytes
    outs = prog.run(x, method="forward")    # numpy or torch inputs -> list of numpy arrays

The library is found through $EMBER_LIB, then build/lib/libember.so in the source tree, then
the system's library path.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import EmberError

MAX_DIMS = 8
MAX_BUFFERS = 16

# ember_dtype codes (include/ember/dtype.inc) <-> numpy
_NP_TO_DTYPE = {
    np.dtype(np.uint8): 0, np.dtype(np.int8): 1, np.dtype(np.int16): 2, np.dtype(np.int32): 3,
    np.dtype(np.int64): 4, np.dtype(np.float16): 5, np.dtype(np.float32): 6,
    np.dtype(np.float64): 7, np.dtype(np.bool_): 11, np.dtype(np.uint16): 27,
    np.dtype(np.uint32): 28, np.dtype(np.uint64): 29,
}
_DTYPE_TO_NP = {v: k for k, v in _NP_TO_DTYPE.items()}

VALUE_INT, VALUE_BOOL, VALUE_DOUBLE, VALUE_TENSOR = 2, 3, 4, 5


class _Tensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("sizes", ctypes.c_int32 * MAX_DIMS),
        ("strides", ctypes.c_int32 * MAX_DIMS),
        ("dim_order", ctypes.c_uint8 * MAX_DIMS),
        ("dim", ctypes.c_uint8),
        ("dtype", ctypes.c_uint8),
        ("storage", ctypes.c_uint8),
        ("reserved", ctypes.c_uint8),
        ("numel", ctypes.c_int64),
        ("nbytes", ctypes.c_size_t),
    ]


class _ValueUnion(ctypes.Union):
    _fields_ = [("i", ctypes.c_int64), ("d", ctypes.c_double), ("b", ctypes.c_bool),
                ("t", ctypes.POINTER(_Tensor)), ("p", ctypes.c_void_p)]


class _Value(ctypes.Structure):
    _fields_ = [("tag", ctypes.c_uint32), ("len", ctypes.c_uint32), ("u", _ValueUnion)]


class _Requirements(ctypes.Structure):
    _fields_ = [("bookkeeping_bytes", ctypes.c_size_t), ("num_buffers", ctypes.c_size_t),
                ("buffer_bytes", ctypes.c_size_t * MAX_BUFFERS)]


def _find_library() -> str:
    env = os.environ.get("EMBER_LIB")
    if env:
        return env
    here = Path(__file__).resolve()
    for root in (here.parents[2], Path.cwd()):
        cand = root / "build" / "lib" / "libember.so"
        if cand.exists():
            return str(cand)
    found = ctypes.util.find_library("ember")
    if found:
        return found
    raise EmberError("not found", "libember.so not found: run `make build` or set EMBER_LIB")


_lib = None


def _library() -> ctypes.CDLL:
    global _lib
    if _lib is not None:
        return _lib
    lib = ctypes.CDLL(_find_library())
    c = ctypes
    sigs = {
        "ember_status_str": (c.c_char_p, [c.c_int]),
        "ember_program_struct_size": (c.c_size_t, []),
        "ember_program_load": (c.c_int, [c.c_void_p, c.c_void_p, c.c_size_t]),
        "ember_program_error": (c.c_char_p, [c.c_void_p]),
        "ember_program_method_count": (c.c_size_t, [c.c_void_p]),
        "ember_program_method_name": (c.c_char_p, [c.c_void_p, c.c_size_t]),
        "ember_program_constant_bytes": (c.c_size_t, [c.c_void_p]),
        "ember_method_requirements_get": (c.c_int, [c.c_void_p, c.c_char_p, c.POINTER(_Requirements)]),
        "ember_method_load": (c.c_int, [c.c_void_p, c.c_char_p, c.c_void_p, c.c_size_t,
                                        c.POINTER(c.c_void_p), c.c_size_t, c.POINTER(c.c_void_p)]),
        "ember_method_input_count": (c.c_size_t, [c.c_void_p]),
        "ember_method_output_count": (c.c_size_t, [c.c_void_p]),
        "ember_method_input": (c.POINTER(_Value), [c.c_void_p, c.c_size_t]),
        "ember_method_output_value": (c.POINTER(_Value), [c.c_void_p, c.c_size_t]),
        "ember_method_set_input": (c.c_int, [c.c_void_p, c.c_size_t, c.c_int, c.c_size_t,
                                             c.POINTER(c.c_int32), c.c_void_p]),
        "ember_method_set_input_scalar": (c.c_int, [c.c_void_p, c.c_size_t, c.c_double]),
        "ember_method_execute": (c.c_int, [c.c_void_p]),
        "ember_method_error": (c.c_char_p, [c.c_void_p]),
        "ember_method_destroy": (None, [c.c_void_p]),
        "ember_operator_count": (c.c_size_t, []),
        "ember_operator_name": (c.c_char_p, [c.c_size_t]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    _lib = lib
    return lib


def _aligned(nbytes: int, align: int = 64) -> tuple[np.ndarray, int]:
    """A zeroed numpy block and the address of its first `align`-aligned byte."""
    raw = np.zeros(nbytes + align, dtype=np.uint8)
    addr = raw.ctypes.data
    return raw, (addr + align - 1) // align * align


def _status(lib: ctypes.CDLL, code: int) -> str:
    return lib.ember_status_str(code).decode()


def _as_numpy(x: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "detach") and hasattr(x, "numpy"):  # a torch tensor, without importing torch
        return x.detach().cpu().contiguous().numpy()
    return np.asarray(x)


class Method:
    """One loaded method: its bookkeeping block and planned buffers, owned by this object."""

    def __init__(self, program: "Program", name: str):
        lib = _library()
        self._lib = lib
        self._program = program  # keeps the file bytes alive
        self.name = name
        req = _Requirements()
        st = lib.ember_method_requirements_get(program._handle, name.encode(), ctypes.byref(req))
        if st:
            raise EmberError(_status(lib, st), program._error())
        self.bookkeeping_bytes = int(req.bookkeeping_bytes)
        self.buffer_bytes = [int(req.buffer_bytes[i]) for i in range(req.num_buffers)]
        self._blocks = []
        ptrs = (ctypes.c_void_p * MAX_BUFFERS)()
        try:
            self._book = np.zeros(max(1, self.bookkeeping_bytes), dtype=np.uint8)
            for i, size in enumerate(self.buffer_bytes):
                if i == 0 or size == 0:
                    continue
                block, addr = _aligned(size)
                self._blocks.append(block)
                ptrs[i] = addr
        except (MemoryError, ValueError) as e:
            total = self.bookkeeping_bytes + sum(self.buffer_bytes)
            raise EmberError("memory too small",
                             f"method '{name}' asks for {total} bytes, which cannot be allocated ({e})") from None
        out = ctypes.c_void_p()
        st = lib.ember_method_load(program._handle, name.encode(), self._book.ctypes.data,
                                   self._book.nbytes, ptrs, len(self.buffer_bytes), ctypes.byref(out))
        if st:
            raise EmberError(_status(lib, st), program._error())
        self._ptrs = ptrs
        self._m = out.value
        self._borrowed: list[np.ndarray] = []

    @property
    def num_inputs(self) -> int:
        return int(self._lib.ember_method_input_count(self._m))

    @property
    def num_outputs(self) -> int:
        return int(self._lib.ember_method_output_count(self._m))

    def _fail(self, st: int) -> EmberError:
        return EmberError(_status(self._lib, st), self._lib.ember_method_error(self._m).decode())

    def set_input(self, index: int, x: Any) -> None:
        lib = self._lib
        v = lib.ember_method_input(self._m, index)
        if v and v.contents.tag in (VALUE_INT, VALUE_BOOL, VALUE_DOUBLE) and np.ndim(_as_numpy(x)) == 0 \
                and not isinstance(x, np.ndarray):
            st = lib.ember_method_set_input_scalar(self._m, index, float(_as_numpy(x)))
            if st:
                raise self._fail(st)
            return
        arr = np.require(_as_numpy(x), requirements="C")  # keeps 0-d arrays 0-d
        code = _NP_TO_DTYPE.get(arr.dtype)
        if code is None:
            raise EmberError("dtype mismatch", f"input {index}: numpy dtype {arr.dtype} has no Ember equivalent")
        if arr.ndim > MAX_DIMS:
            raise EmberError("shape mismatch", f"input {index}: rank {arr.ndim} exceeds {MAX_DIMS}")
        sizes = (ctypes.c_int32 * MAX_DIMS)(*arr.shape)
        st = lib.ember_method_set_input(self._m, index, code, arr.ndim, sizes, arr.ctypes.data)
        if st:
            raise self._fail(st)
        self._borrowed.append(arr)  # unplanned inputs point at it until the next run

    def execute(self) -> None:
        st = self._lib.ember_method_execute(self._m)
        if st:
            raise self._fail(st)

    def output(self, index: int) -> Any:
        v = self._lib.ember_method_output_value(self._m, index)
        if not v:
            raise EmberError("invalid argument", f"output {index} out of range")
        val = v.contents
        if val.tag == VALUE_TENSOR:
            t = val.u.t.contents
            dt = _DTYPE_TO_NP.get(t.dtype)
            if dt is None:
                raise EmberError("not supported", f"output {index} has dtype code {t.dtype}")
            shape = tuple(t.sizes[d] for d in range(t.dim))
            if t.nbytes == 0:
                return np.zeros(shape, dtype=dt)
            if not t.data:
                raise EmberError("input not set", f"output {index} has no data")
            buf = (ctypes.c_uint8 * t.nbytes).from_address(t.data)
            flat = np.frombuffer(buf, dtype=dt).copy()
            # honour dim_order: element strides may describe a non-contiguous layout
            strides = tuple(t.strides[d] * dt.itemsize for d in range(t.dim))
            return np.lib.stride_tricks.as_strided(flat, shape=shape, strides=strides).copy()
        if val.tag == VALUE_INT:
            return int(val.u.i)
        if val.tag == VALUE_DOUBLE:
            return float(val.u.d)
        if val.tag == VALUE_BOOL:
            return bool(val.u.b)
        raise EmberError("not supported", f"output {index} has value kind {val.tag}")

    def run(self, *inputs: Any) -> list:
        if len(inputs) != self.num_inputs:
            raise EmberError("invalid argument",
                             f"method '{self.name}' takes {self.num_inputs} inputs, got {len(inputs)}")
        self._borrowed = []
        for i, x in enumerate(inputs):
            self.set_input(i, x)
        self.execute()
        return [self.output(i) for i in range(self.num_outputs)]

    def __del__(self):
        m = getattr(self, "_m", None)
        if m:
            self._lib.ember_method_destroy(m)
            self._m = None


class Program:
    """A .pte program loaded by the C runtime. The bytes are kept (aligned) for its lifetime."""

    def __init__(self, data: bytes):
        lib = _library()
        self._lib = lib
        self._file, addr = _aligned(len(data))
        ctypes.memmove(addr, data, len(data))
        self._addr = addr
        self.file_bytes = len(data)
        self._struct = np.zeros(lib.ember_program_struct_size() + 16, dtype=np.uint8)
        self._handle = ctypes.c_void_p((self._struct.ctypes.data + 15) // 16 * 16)
        st = lib.ember_program_load(self._handle, addr, len(data))
        if st:
            raise EmberError(_status(lib, st), self._error())
        self._methods: dict[str, Method] = {}

    def _error(self) -> str:
        return self._lib.ember_program_error(self._handle).decode(errors="replace")

    @property
    def method_names(self) -> list[str]:
        n = self._lib.ember_program_method_count(self._handle)
        return [self._lib.ember_program_method_name(self._handle, i).decode() for i in range(n)]

    @property
    def constant_bytes(self) -> int:
        return int(self._lib.ember_program_constant_bytes(self._handle))

    def method(self, name: str = "forward") -> Method:
        if name not in self._methods:
            self._methods[name] = Method(self, name)
        return self._methods[name]

    def run(self, *inputs: Any, method: str = "forward") -> list:
        """Runs `method` on numpy/torch inputs; returns a list of numpy arrays (copies)."""
        return self.method(method).run(*inputs)


_operators: "frozenset[str] | None" = None


def supported_operators() -> "frozenset[str]":
    """Names of the operators the C runtime can run ("aten::add.out", ...). Raises EmberError
    when libember cannot be found."""
    global _operators
    if _operators is None:
        lib = _library()
        _operators = frozenset(lib.ember_operator_name(i).decode()
                               for i in range(lib.ember_operator_count()))
    return _operators


def load(path_or_bytes: "str | os.PathLike | bytes | bytearray | memoryview") -> Program:
    """Loads a .pte from a path or from bytes."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
    else:
        data = Path(path_or_bytes).read_bytes()
    return Program(data)
