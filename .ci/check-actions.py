#!/usr/bin/env python3
"""Checks the shape of composite actions (`.github/actions/*/action.yml`).

actionlint checks workflows, and a workflow's use of a local action against
the action's inputs and outputs, but not the action file itself. This does:
the metadata keys GitHub requires, composite steps (`run` xor `uses`, a
`shell` for every `run`, unique ids), `${{ inputs.X }}` naming declared
inputs, outputs taken from steps that exist, and the scripts that `run`
steps call through `$GITHUB_ACTION_PATH` existing beside the file.

Usage: check-actions.py ACTION.yml...   (exit 1 on any problem)
"""

import re
import sys
from pathlib import Path

import yaml

TOP_KEYS = {"name", "description", "author", "branding", "inputs", "outputs", "runs"}
STEP_KEYS = {
    "id", "if", "name", "uses", "run", "shell", "with", "env",
    "working-directory", "continue-on-error",
}


def check(path: Path) -> list[str]:
    problems: list[str] = []

    def bad(msg: str) -> None:
        problems.append(f"{path}: {msg}")

    doc = yaml.safe_load(path.read_text())
    if not isinstance(doc, dict):
        return [f"{path}: not a YAML mapping"]
    for key in sorted(set(doc) - TOP_KEYS):
        bad(f"unknown top-level key `{key}`")
    for key in ("name", "description", "runs"):
        if key not in doc:
            bad(f"missing `{key}`")
    inputs = doc.get("inputs") or {}
    for name, spec in inputs.items():
        if not isinstance(spec, dict) or "description" not in spec:
            bad(f"input `{name}` has no description")
        elif spec.get("required") and "default" in spec:
            bad(f"input `{name}` is required and has a default")

    runs = doc.get("runs") or {}
    if runs.get("using") != "composite":
        bad(f"`runs.using` is {runs.get('using')!r}; this checks composite actions")
        return problems
    steps = runs.get("steps")
    if not isinstance(steps, list) or not steps:
        bad("`runs.steps` is empty")
        return problems
    ids: set[str] = set()
    text = path.read_text()
    for i, step in enumerate(steps, 1):
        where = f"step {i} ({step.get('name', step.get('id', '?'))})"
        for key in sorted(set(step) - STEP_KEYS):
            bad(f"{where}: unknown key `{key}`")
        if ("run" in step) == ("uses" in step):
            bad(f"{where}: needs exactly one of `run` and `uses`")
        if "run" in step and "shell" not in step:
            bad(f"{where}: a `run` step of a composite action needs `shell`")
        if "id" in step:
            if step["id"] in ids:
                bad(f"{where}: duplicate id `{step['id']}`")
            ids.add(step["id"])
        for script in re.findall(r"\$GITHUB_ACTION_PATH/([\w.-]+)", str(step.get("run", ""))):
            if not (path.parent / script).is_file():
                bad(f"{where}: runs `{script}`, which is not beside {path.name}")
    for name in re.findall(r"\$\{\{\s*inputs\.([\w-]+)", text):
        if name not in inputs:
            bad(f"`inputs.{name}` is used but not declared")
    for name, spec in (doc.get("outputs") or {}).items():
        value = str((spec or {}).get("value", ""))
        for step_id in re.findall(r"steps\.([\w-]+)\.outputs", value):
            if step_id not in ids:
                bad(f"output `{name}` reads step `{step_id}`, which does not exist")
    return problems


def main() -> int:
    problems = [p for arg in sys.argv[1:] for p in check(Path(arg))]
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if not problems:
        print(f"ok: {len(sys.argv) - 1} action file(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
