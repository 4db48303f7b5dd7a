"""The word files that ship inside the package (``report_tables/words.yaml``,
``report_document/words.yaml``), read once per process.

A report stage builds many word objects (one per table and figure); parsing the same YAML file for
each of them was a large part of the stage's time. The parsed mapping is shared, so callers only
read it.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from injury_survey.yaml_files import YAML_LOADER


@cache
def package_words(relative_path: str) -> dict[str, Any]:
    """The parsed word file ``relative_path`` of the package, e.g. ``"report_tables/words.yaml"``."""
    with (files("injury_survey") / relative_path).open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=YAML_LOADER)
