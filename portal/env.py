"""Small strict readers for environment variables.

A bad value stops the process at start-up with a message naming the variable,
instead of silently falling back to a default.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import dotenv

T = TypeVar("T")


class ConfigError(ValueError):
    """An environment variable holds a value the portal cannot use."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def load_env_file(default_path: Path) -> None:
    """Read `.env` (or the file PORTAL_ENV_FILE names; empty means none).

    Real environment variables win over the file, so a deploy's settings are
    never overridden by a stray file.
    """
    path = os.environ.get("PORTAL_ENV_FILE", str(default_path))
    if path:
        dotenv.load_dotenv(path, override=False)


def exit_on_config_error(start: Callable[[], T]) -> T:
    """Run `start`; a configuration error ends the process with one line, no
    traceback, naming the variable (for manage.py, celery and gunicorn alike)."""
    try:
        return start()
    except ConfigError as error:
        sys.stderr.write(f"Configuration error: {error}\n")
        sys.exit(2)


def env_str(name: str, default: str = "") -> str:
    """Return the variable's value, or the default when unset."""
    return os.environ.get(name, default)


def env_secret(name: str, default: str = "") -> str:
    """Return a secret from NAME, or from the file NAME_FILE names (Docker and
    Kubernetes secrets); raises ConfigError when both are set or the file cannot
    be read."""
    file_name = f"{name}_FILE"
    path = os.environ.get(file_name)
    if not path:
        return os.environ.get(name, default)
    if os.environ.get(name):
        raise ConfigError(f"set {name} or {file_name}, not both")
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(
            f"{file_name}={path!r} cannot be read: {error.strerror}"
        ) from None


def env_bool(name: str, default: bool = False) -> bool:
    """Return a boolean; raises ConfigError for anything but yes/no words."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use true/false, 1/0 or yes/no")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """Return an integer >= minimum; raises ConfigError otherwise."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    """Return a number >= minimum; raises ConfigError otherwise."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name}={raw!r} is not a finite number")
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list with blanks removed."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]
