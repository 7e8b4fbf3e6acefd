"""Materialise the real-bug benchmark: each buggy file and its fixed twin, read from local git mirrors.

    python bench/real/fetch.py DEST [--mirrors DIR] [--manifest FILE]

For every bug in the manifest it writes DEST/<id>/buggy/<path> (the file at the buggy commit) and
DEST/<id>/fixed/<path> (the same file after the maintainers' fix), plus the bug's context files at the same
two commits. Mirrors are bare or non-bare git repositories named `owner+name` under the mirrors folder
(default: $NNLINT_REAL_MIRRORS, else /work/.mirror); a repository may sit in `owner+name/`,
`owner+name/repo/` or `owner+name/repo/.git`. Nothing is downloaded: a missing mirror or commit is listed
and the script exits 1 after writing everything it could.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_MIRRORS = Path(os.environ.get("NNLINT_REAL_MIRRORS", "/work/.mirror"))


def load_bugs(manifest: Path) -> list[dict]:
    with manifest.open("rb") as handle:
        return tomllib.load(handle)["bug"]


def find_git_dir(mirrors: Path, repository: str) -> Path | None:
    base = mirrors / repository.replace("/", "+")
    for candidate in (base / "repo" / ".git", base / "repo", base / ".git", base):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def show(git_dir: Path, commit: str, path: str) -> bytes | None:
    result = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"], capture_output=True, check=False
    )
    return result.stdout if result.returncode == 0 else None


def materialise(bug: dict, git_dir: Path, dest: Path) -> list[str]:
    """Write one bug's files; return what could not be read."""
    problems = []
    files = [bug["path"], *bug.get("context", [])]
    for side, commit in (("buggy", bug["buggy_commit"]), ("fixed", bug["fixed_commit"])):
        for path in files:
            content = show(git_dir, commit, path)
            if content is None:
                problems.append(f"{bug['id']}: {commit[:10]}:{path} not in the mirror")
                continue
            target = dest / bug["id"] / side / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="folder to write the files into")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="folder of git mirrors")
    parser.add_argument("--manifest", type=Path, default=HERE / "manifest.toml")
    args = parser.parse_args(argv)

    bugs = load_bugs(args.manifest)
    missing_repos: dict[str, list[str]] = {}
    problems: list[str] = []
    written = 0
    for bug in bugs:
        git_dir = find_git_dir(args.mirrors, bug["repository"])
        if git_dir is None:
            missing_repos.setdefault(bug["repository"], []).append(bug["id"])
            continue
        bug_problems = materialise(bug, git_dir, args.dest)
        problems += bug_problems
        written += not bug_problems

    print(f"{written}/{len(bugs)} bugs written to {args.dest}")
    for repository, ids in sorted(missing_repos.items()):
        print(f"missing mirror: {repository} (needed by {', '.join(ids)})", file=sys.stderr)
    for problem in problems:
        print(f"missing file: {problem}", file=sys.stderr)
    return 1 if missing_repos or problems else 0


if __name__ == "__main__":
    sys.exit(main())
