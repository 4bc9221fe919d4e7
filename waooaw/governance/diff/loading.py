"""The two sides of a diff: a contract file, or ``git:REF:path`` read from the repository."""

from __future__ import annotations

import dataclasses
import posixpath
import re
import subprocess
import tempfile
from pathlib import Path

from waooaw.codegen.errors import ContractErrors
from waooaw.codegen.loader import LoadedContract, load_contract

__all__ = ["SpecError", "load_side", "load_sides"]


class SpecError(Exception):
    """A BASE/HEAD spec that cannot be read: bad ``git:`` spec, unknown ref, missing file."""


# The file part of every $ref in YAML or JSON text. It over-approximates (a $ref quoted in a
# description is fetched too), which costs one git call for a file that may not exist.
_EXTERNAL_REF = re.compile(r"""\$ref["']?\s*:\s*["']?([^"'#\s,}\]]+)""")


def load_side(spec: str) -> LoadedContract:
    """Load one side of a diff: a contract file, or ``git:REF:path`` from the current repo.

    ``path`` in ``git:REF:path`` is relative to the repository root, or to the current
    directory when it starts with ``./`` or ``../`` (as ``git show`` reads it). Files the
    contract references with relative ``$ref``s are read from the same revision.
    """
    if spec.startswith("git:"):
        ref, sep, path = spec[4:].partition(":")
        if not sep or not ref or not path:
            raise SpecError(f"{spec}: expected git:REF:path, e.g. git:HEAD~1:contracts/api.yaml")
        return _load_git(ref, path)
    return load_contract(Path(spec))


def load_sides(base: str, head: str) -> tuple[LoadedContract, LoadedContract]:
    """``(load_side(base), load_side(head))``.

    The two are loaded one after the other: loading them in two processes was
    measured no faster on a shared machine, and cost a fork and a pickle of HEAD.
    """
    return load_side(base), load_side(head)


def _git(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise SpecError(f"cannot run git: {exc}") from exc


def _git_text(args: list[str], what: str) -> str:
    done = _git(args)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip() or f"git {args[0]} failed"
        raise SpecError(f"{what}: {message}")
    return done.stdout.decode().strip()


def _load_git(ref: str, path: str) -> LoadedContract:
    spec = f"git:{ref}:{path}"
    top = Path(_git_text(["rev-parse", "--show-toplevel"], spec))
    if path.startswith(("./", "../")):
        prefix = _git_text(["rev-parse", "--show-prefix"], spec)
        path = posixpath.normpath(posixpath.join(prefix, path))
    if path == ".." or path.startswith(("../", "/")):
        raise SpecError(f"{spec}: the path is outside the repository {top}")
    # Pin the commit once, so every file comes from the same revision.
    done = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"])
    if done.returncode != 0:
        raise SpecError(f"{spec}: unknown revision {ref!r}")
    commit = done.stdout.decode().strip()
    with tempfile.TemporaryDirectory(prefix="waooaw-diff-") as tmp:
        root = Path(tmp)
        _materialise(top, commit, f"{spec}: no such file at {ref}", path, root)
        try:
            loaded = load_contract(root / path)
        except ContractErrors as exc:
            errors = [dataclasses.replace(e, file=_git_name(e.file, root, ref)) for e in exc.errors]
            raise ContractErrors(errors) from None
    for source in loaded.files:
        source.display = _git_name(str(source.path), root, ref)
    return loaded


def _materialise(top: Path, commit: str, missing: str, path: str, root: Path) -> None:
    """Write ``path`` at ``commit`` and the files it references, transitively, into ``root``."""
    queue, seen = [path], {path}
    while queue:
        rel = queue.pop()
        done = _git(["cat-file", "blob", f"{commit}:{rel}"], cwd=top)
        if done.returncode != 0:
            if rel == path:
                raise SpecError(missing)
            continue  # the loader reports the unresolved $ref, with its line
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(done.stdout)
        for found in _EXTERNAL_REF.findall(done.stdout.decode("utf-8", errors="replace")):
            other = posixpath.normpath(posixpath.join(posixpath.dirname(rel), found))
            outside = other == ".." or other.startswith(("../", "/"))
            if "://" not in found and not outside and other not in seen:
                seen.add(other)
                queue.append(other)


def _git_name(file: str, root: Path, ref: str) -> str:
    try:
        return f"{ref}:{Path(file).resolve().relative_to(root.resolve()).as_posix()}"
    except ValueError:
        return file
