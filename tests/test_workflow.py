"""The GitHub Actions files pass three offline checkers, and each checker catches a broken copy.

* check-jsonschema: GitHub's schemas for workflows and dependabot.yml (shipped with the package);
* actionlint: expressions, step outputs, action inputs (shellcheck/pyflakes off: same result on
  every machine, whether or not they are installed);
* zizmor, at its default persona: security findings (template injection, credentials left in
  the checkout, actions not pinned to a commit...). `--offline`: no GitHub API calls.
All three are binaries in .venv/bin, next to sys.executable (pinned in requirements-dev.txt).
"""
import json
import re
import subprocess
import sys
from pathlib import Path

from dlkit.data import REPO_ROOT

GITHUB = REPO_ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
CI = GITHUB / "workflows" / "ci.yml"
DEPENDABOT = GITHUB / "dependabot.yml"
BIN = Path(sys.executable).parent


def run(tool, *args):
    return subprocess.run([str(BIN / tool), *map(str, args)], capture_output=True, text=True, timeout=300)


def broken_copy(tmp_path, old, new):
    """ci.yml with the regular expression `old` replaced by `new`, written to tmp_path."""
    text, count = re.subn(old, new, CI.read_text())
    assert count, f"{old!r} is no longer in ci.yml: update this test"
    path = tmp_path / "ci.yml"
    path.write_text(text)
    return path


def check_schema(schema, *paths):
    return run("check-jsonschema", "--builtin-schema", schema, *paths)


def actionlint(*paths):
    return run("actionlint", "-oneline", "-no-color", "-shellcheck=", "-pyflakes=", *paths)


def zizmor(*paths):
    result = run("zizmor", "--offline", "--format", "json", "--no-progress", *paths)
    findings = json.loads(result.stdout) if result.stdout.strip() else []
    return result, {finding["ident"] for finding in findings}


def test_workflows_match_the_schemas():
    assert WORKFLOWS, "no .github/workflows/*.yml"
    result = check_schema("vendor.github-workflows", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    result = check_schema("vendor.dependabot", DEPENDABOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_catches_a_broken_workflow(tmp_path):
    # `run-on` instead of `runs-on`: a typo that the schema must reject
    result = check_schema("vendor.github-workflows", broken_copy(tmp_path, "runs-on:", "run-on:"))
    assert result.returncode != 0 and "'runs-on' is a required property" in result.stdout


def test_the_schema_catches_a_broken_dependabot_config(tmp_path):
    broken = tmp_path / "dependabot.yml"
    broken.write_text(DEPENDABOT.read_text().replace("interval: weekly", "interval: fortnightly"))
    result = check_schema("vendor.dependabot", broken)
    assert result.returncode != 0 and "fortnightly" in result.stdout


def test_actionlint_passes_the_workflows():
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_an_undefined_step_output(tmp_path):
    # the cache save step reads the restore step's output: misspell the step's id
    broken = broken_copy(tmp_path, r"steps\.data\.outputs", "steps.dta.outputs")
    result = actionlint(broken)
    assert result.returncode != 0 and 'property "dta" is not defined' in result.stdout, result.stdout


def test_zizmor_passes_the_workflows_and_dependabot():
    result, found = zizmor(GITHUB)  # the folder: every workflow and dependabot.yml
    assert result.returncode == 0 and not found, result.stdout + result.stderr


def test_zizmor_catches_template_injection_and_persisted_credentials(tmp_path):
    # a pull request's title expanded into a shell script, and the git token left on disk
    broken = broken_copy(tmp_path, r"        with:\n          persist-credentials: false\n",
                         "      - run: echo \"${{ github.event.pull_request.title }}\"\n")
    result, found = zizmor(broken)
    assert result.returncode != 0 and {"template-injection", "artipacked"} <= found, result.stdout


def test_zizmor_catches_an_action_pinned_by_tag(tmp_path):
    broken = broken_copy(tmp_path, r"actions/checkout@[0-9a-f]{40}", "actions/checkout@v7")
    result, found = zizmor(broken)
    assert result.returncode != 0 and "unpinned-uses" in found, result.stdout


def test_the_book_workflow_deploys_from_main_with_the_least_permissions():
    import yaml

    book = yaml.safe_load((GITHUB / "workflows" / "book.yml").read_text())
    jobs = book["jobs"]
    assert book["permissions"] == {} and jobs["build"]["permissions"] == {"contents": "read"}
    # only the deploy job may write to Pages and mint the OIDC token that deploy-pages needs
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["deploy"]["needs"] == "build" and "refs/heads/main" in jobs["deploy"]["if"]
    uses = [step.get("uses", "") for job in jobs.values() for step in job["steps"]]
    for action in ("actions/upload-pages-artifact", "actions/deploy-pages"):
        assert any(re.fullmatch(action + r"@[0-9a-f]{40}", u) for u in uses), f"{action} is not pinned to a SHA"
    steps = jobs["build"]["steps"]
    assert any(s.get("run") == "make book" for s in steps)
    assert next(s for s in steps if "upload-pages-artifact" in s.get("uses", ""))["with"]["path"] == "_build/html"
