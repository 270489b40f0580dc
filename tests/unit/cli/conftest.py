"""Fixtures of the CLI tests (each test module installs its own fake node, see fakenode.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.cli.fakenode import Run, cli_runner


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``qorenode.cli.main`` in-process with a home under ``tmp_path``."""
    return cli_runner(tmp_path, capsys)
