"""Post-write hooks: the project's own commands run on each migration file distil writes.

``run_post_write_hooks`` runs the configured commands one after the other on a file that is
already written, from the config file's directory, without a shell. ``{path}`` in a command is
the new file's path and ``{python}`` the interpreter running distil (a command without
``{path}`` gets the path as its last argument). The first command that cannot start or exits
non-zero stops the chain with ``PostWriteHookFailed``, naming the command, its exit status and
the end of its output; the file is left as the earlier commands left it, never deleted.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from distil.errors import PostWriteHookFailed

PATH_PLACEHOLDER = "{path}"
PYTHON_PLACEHOLDER = "{python}"
_OUTPUT_LINES = 8


def hook_arguments(command: str, path: Path) -> list[str]:
    """The argument list ``command`` runs as on ``path``."""
    words = shlex.split(command)
    if not any(PATH_PLACEHOLDER in word for word in words):
        words.append(PATH_PLACEHOLDER)
    return [
        word.replace(PATH_PLACEHOLDER, str(path)).replace(PYTHON_PLACEHOLDER, sys.executable)
        for word in words
    ]


def run_post_write_hooks(hooks: Sequence[str], path: Path, cwd: Path) -> None:
    """Run each hook on ``path`` in order; raise ``PostWriteHookFailed`` at the first failure."""
    for command in hooks:
        arguments = hook_arguments(command, path)
        executable = _find(arguments[0], cwd)
        if executable is None:
            raise PostWriteHookFailed(
                f"Wrote {path}, but the post-write hook `{command}` cannot run: "
                f"{arguments[0]!r} was found neither on PATH nor next to the Python running "
                "distil. Install it, or fix post_write_hooks in the configuration. The file was "
                "kept as written."
            )
        try:
            finished = subprocess.run(
                [executable, *arguments[1:]],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                check=False,
            )
        except OSError as error:
            raise PostWriteHookFailed(
                f"Wrote {path}, but the post-write hook `{command}` could not start: "
                f"{error.strerror or error}. Fix post_write_hooks in the configuration. The file "
                "was kept as written."
            ) from None
        if finished.returncode != 0:
            output = (finished.stderr.strip() or finished.stdout.strip()).splitlines()
            tail = " / ".join(line.strip() for line in output[-_OUTPUT_LINES:] if line.strip())
            said = f" It said: {tail}" if tail else ""
            raise PostWriteHookFailed(
                f"Wrote {path}, but the post-write hook `{command}` failed with exit status "
                f"{finished.returncode}.{said}. The file was kept as the hooks before it left "
                "it; fix it (or the hook in post_write_hooks) and run the hook by hand."
            )


def _find(program: str, cwd: Path) -> str | None:
    """``program`` as a path (relative to ``cwd``), else on PATH, else in the directory of the
    running interpreter (a virtualenv's ``bin`` even when it is not activated)."""
    if os.sep in program or (os.altsep and os.altsep in program):
        path = cwd / program
        return str(path) if os.access(path, os.X_OK) else None
    return shutil.which(program) or shutil.which(program, path=str(Path(sys.executable).parent))
