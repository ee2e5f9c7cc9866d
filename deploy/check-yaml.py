#!/usr/bin/env python3
"""Loads docker-compose.yml and the Helm chart's YAML with PyYAML; exit 1 naming the file and line of the first error.

Helm templates are YAML only after rendering; without helm, lines holding only a template action
({{- if }}, {{- end }}, {{- range }}, {{ include }}...) are dropped and inline {{ ... }} values become a
placeholder, which is enough to catch indentation and syntax mistakes in the literal parts.
Usage: python3 deploy/check-yaml.py   (from the repository root or anywhere)
"""
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
ACTION_LINE = re.compile(r"^\s*\{\{.*\}\}\s*$")
INLINE_ACTION = re.compile(r"\{\{.*?\}\}")


def without_templating(text: str) -> str:
    lines = [line for line in text.splitlines() if not ACTION_LINE.match(line)]
    return "\n".join(INLINE_ACTION.sub("TEMPLATED", line) for line in lines) + "\n"


def check(path: pathlib.Path, templated: bool) -> int:
    text = path.read_text(encoding="utf-8")
    try:
        documents = [d for d in yaml.safe_load_all(without_templating(text) if templated else text) if d is not None]
    except yaml.YAMLError as error:
        print(f"{path.relative_to(ROOT)}: {error}", file=sys.stderr)
        return 1
    print(f"ok  {path.relative_to(ROOT)} ({len(documents)} document{'s' if len(documents) != 1 else ''})")
    return 0


def main() -> int:
    failures = check(ROOT / "docker-compose.yml", templated=False)
    chart = ROOT / "deploy" / "helm" / "k8s-agent"
    for path in sorted(chart.glob("*.yaml")):
        failures += check(path, templated=False)
    for path in sorted((chart / "templates").glob("*.yaml")):
        failures += check(path, templated=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
