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
