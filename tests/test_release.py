"""What a release is made of: one version, a license, a changelog, workflows that work.

The GitHub workflows can't run here, so they are checked as far as an offline machine
can: against GitHub's workflow schema (check-jsonschema's copy), their shell steps by
shellcheck, and the whole by zizmor's audits. Each check is shown to fail on a broken
workflow, so a green run means something.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import subprocess
import sys

import yaml

ROOT = Path(__file__).parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
MANIFEST = ROOT / "custom_components" / "home_energy_lake" / "manifest.json"


def _project_version() -> str:
    match = re.search(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert match
    return match.group(1)


def test_one_version_in_manifest_pyproject_and_changelog() -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))["version"]
    assert manifest == _project_version()
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[(\d[^\]]*)\] - \d{4}-\d{2}-\d{2}$", changelog, re.M)
    assert released, "CHANGELOG.md lists no release"
    assert released[0] == manifest
    assert changelog.index("## [Unreleased]") < changelog.index(f"## [{manifest}]")


def test_license_file_is_the_declared_one() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject
    assert 'license-files = ["LICENSE"]' in pyproject
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def _run(tool: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN / tool, *map(str, args)], capture_output=True, text=True, check=False, timeout=120
    )


def _schema_check(*files: Path) -> subprocess.CompletedProcess[str]:
    return _run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files)


def _audit(folder: Path) -> subprocess.CompletedProcess[str]:
    return _run("zizmor", "--offline", "--persona=pedantic", "--no-progress", folder)


def _shell_steps(workflow: Path) -> list[str]:
    document = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    return [
        step["run"]
        for job in document["jobs"].values()
        for step in job.get("steps", [])
        if "run" in step
    ]


def _shellcheck(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN / "shellcheck", "--shell=bash", "-"],
        input=script,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_workflows_pass_the_schema_shellcheck_and_the_audit() -> None:
    workflows = sorted(WORKFLOWS.glob("*.yml"))
    assert {w.name for w in workflows} == {"validate.yml", "tests.yml", "release.yml"}
    checked = _schema_check(*workflows)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for workflow in workflows:
        for script in _shell_steps(workflow):
            linted = _shellcheck(script)
            assert linted.returncode == 0, f"{workflow.name}:\n{script}\n{linted.stdout}"
    dependabot = _run(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.dependabot",
        ROOT / ".github" / "dependabot.yml",
    )
    assert dependabot.returncode == 0, dependabot.stdout
    audited = _audit(ROOT / ".github")
    assert audited.returncode == 0, audited.stdout + audited.stderr


BROKEN = """\
name: Broken
on:
  issues:
    types: [opened]
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.issue.title }}" && cd $HOME/x*
"""


def test_each_check_fails_a_broken_workflow(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    broken = folder / "broken.yml"
    # A job without runs-on is not a workflow GitHub accepts.
    broken.write_text(BROKEN.replace("    runs-on: ubuntu-latest\n", ""), encoding="utf-8")
    assert _schema_check(broken).returncode != 0
    broken.write_text(BROKEN, encoding="utf-8")
    # An unquoted variable and a glob in cd: shellcheck's warnings.
    assert _shellcheck(_shell_steps(broken)[0]).returncode != 0
    # An issue title expanded into a shell command, an unpinned action.
    audited = _audit(tmp_path / ".github")
    assert audited.returncode != 0
    assert "template-injection" in audited.stdout
    assert "unpinned-uses" in audited.stdout


def test_the_test_workflow_runs_what_ci_runs() -> None:
    """The workflow's targets are .ci/run's, the README's test command among them."""
    tests = yaml.safe_load((WORKFLOWS / "tests.yml").read_text(encoding="utf-8"))
    targets = tests["jobs"]["test"]["strategy"]["matrix"]["target"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert targets == re.findall(r"^make ([a-z-]+)", ci, re.M)
    assert "make test   #" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "test" in targets


def test_the_release_attaches_the_zip_hacs_installs() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert hacs["zip_release"] is True
    release = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    assert f'gh release upload "$TAG" {hacs["filename"]}' in release
    assert yaml.safe_load(release)[True] == {"release": {"types": ["published"]}}
