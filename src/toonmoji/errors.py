"""Errors a user can act on.

Every failure a user can cause (a bad path, a corrupt image, no face, a wrong checkpoint) is raised
as a ToonmojiError subclass where it is understood; the CLI prints its message as one line and
exits non-zero, so nobody sees a traceback for their own mistake.
"""

from __future__ import annotations


class ToonmojiError(Exception):
    """Base class: the message is one line meant for the user."""

    exit_code: int = 1


class InputError(ToonmojiError):
    """A path that does not exist, or a file that is not what it claims to be."""

    exit_code = 2


class ImageReadError(InputError):
    """An image file that cannot be decoded (truncated, wrong type, empty)."""


class VideoReadError(InputError):
    """A video or camera that cannot be opened or yields no frames."""


class OutputExistsError(ToonmojiError):
    """An output would overwrite a user's file and --force was not given."""

    exit_code = 3


class NoFaceError(ToonmojiError):
    """No face was found where one was needed."""

    exit_code = 4


class CheckpointError(ToonmojiError):
    """A model file that is missing, corrupt, unsafe or of the wrong kind."""

    exit_code = 5


class DataError(ToonmojiError):
    """A data set (CSV, image folder) that cannot be used."""

    exit_code = 6


class MissingExtraError(ToonmojiError):
    """A command needs an optional part (a pip extra such as [gan]) that is not installed."""

    exit_code = 2

    def __init__(self, message: str, extra: str, module: str) -> None:
        super().__init__(message)
        self.extra = extra
        self.module = module


class BatchFailuresError(ToonmojiError):
    """A batch ran to its end but some inputs failed (each has its line in manifest.jsonl)."""

    exit_code = 7
