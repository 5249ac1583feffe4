"""Errors raised by Ember's Python side."""


class EmberError(RuntimeError):
    """A failure reported by the C runtime. `status` is the runtime's status name
    (e.g. "unknown operator"), `message` the runtime's detailed message."""

    def __init__(self, status: str, message: str):
        self.status = status
        self.message = message
        super().__init__(f"{status}: {message}" if message else status)


class ExportError(RuntimeError):
    """The exporter cannot turn a model into a .pte (an unsupported op, a dynamic shape, ...).
    The message names the op and, where torch recorded it, the model's source line."""


class RuntimeProblem:
    """Something in an exported program that Ember's C runtime refuses: the op (out-variant
    name), the user-level op a decomposition made it from, the model line, the runtime's
    message and a remedy. `str()` is one line for error messages and reports."""

    def __init__(self, method: str, op: str, origin: str, source: str, message: str,
                 remedy: str) -> None:
        self.method = method
        self.op = op
        self.origin = origin
        self.source = source
        self.message = message
        self.remedy = remedy

    def as_dict(self) -> dict[str, str]:
        return dict(vars(self))

    def __str__(self) -> str:
        what = self.op or f"method '{self.method}'"
        if self.origin:
            what += f" (made from {self.origin} by torch's decompositions)"
        at = f" at {self.source}" if self.source else ""
        return f"{what}{at}: {self.message}. Remedy: {self.remedy}"

    def __repr__(self) -> str:
        return f"RuntimeProblem({str(self)!r})"
