"""ansible-lint skips nothing outside tests/, and every skip says why."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def test_the_config_skips_no_rule():
    config = yaml.safe_load((ROOT / ".ansible-lint").read_text(encoding="utf-8"))
    assert config["profile"] == "production"
    assert "no-log-password" in config["enable_list"]
    assert not {"skip_list", "warn_list", "rules"} & set(config)
    assert not [path for path in config["exclude_paths"] if path.startswith(("roles", "plugins", "docs", "tests/"))
                and path != "tests/output/"]


def test_each_skip_is_for_a_test_file_and_has_its_reason():
    lines = (ROOT / ".ansible-lint-ignore").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        entry = line.split("#")[0].strip()
        if not entry:
            continue
        path, rule, *_qualifiers = entry.split()
        assert path.startswith("tests/") and (ROOT / path).is_file(), line
        assert lines[number - 1].startswith("# ") and number > 0, f"no reason above: {line}"
        assert rule in {"ignore-errors", "name[casing]", "name[template]"}, f"{rule}: say why it does not fit tests"
