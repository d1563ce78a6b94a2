"""The GitHub Actions workflows match GitHub's schema (offline: check-jsonschema ships the schema)."""
import subprocess
import sys
from pathlib import Path

from dlkit.data import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def check(*paths):
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
                          capture_output=True, text=True, timeout=120)


def test_workflows_are_valid():
    assert WORKFLOWS, "no .github/workflows/*.yml"
    result = check(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_workflow_is_caught(tmp_path):
    broken = tmp_path / "broken.yml"
    # `run-on` instead of `runs-on`: a typo that the schema must reject
    broken.write_text((REPO_ROOT / ".github/workflows/ci.yml").read_text().replace("runs-on:", "run-on:"))
    result = check(broken)
    assert result.returncode != 0 and "'runs-on' is a required property" in result.stdout
