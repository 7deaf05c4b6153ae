"""The tree generate.sh assembles installs with pip, offline, and imports."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import authnet


def test_generated_tree_pip_installs(tmp_path: Path) -> None:
    tree = Path(authnet.__file__).resolve().parents[1]
    if not (tree / "pyproject.toml").is_file():
        pytest.skip(f"authnet is imported from {tree}, not from a tree generate.sh made")
    # A copy, so pip's build files stay out of the generated tree.
    src = tmp_path / "src"
    shutil.copytree(tree, src, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    # As README.md's "Install" says.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "--quiet", str(src)],
        capture_output=True, text=True)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    python = venv / "bin" / "python"
    probe = ("import authnet, authnet.v1.checkout_pb2 as c, pathlib; "
             "print(pathlib.Path(authnet.__file__).parent.parent, "
             "c.CheckRequest.DESCRIPTOR.full_name)")
    done = subprocess.run([str(python), "-P", "-c", probe], capture_output=True, text=True,
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    site, name = done.stdout.split()
    assert Path(site).is_relative_to(venv) and name == "authnet.v1.CheckRequest", done.stdout
