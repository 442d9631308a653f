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


def overridden_merge_keys(path: Path) -> list[str]:
    """Keys a mapping sets again after merging them in with ``<<: *anchor``."""
    found = []

    def walk(node) -> None:
        if isinstance(node, yaml.MappingNode):
            keys = [key.value for key, _value in node.value]
            merged = [value for key, value in node.value if key.value == "<<"]
            for source in merged:
                sources = source.value if isinstance(source, yaml.SequenceNode) else [source]
                merged_keys = {key.value for mapping in sources for key, _value in mapping.value}
                found.extend(f"{path.relative_to(ROOT)}:{node.start_mark.line + 1} {key}" for key in
                             sorted(merged_keys & set(keys)))  # fmt: skip
            for _key, value in node.value:
                walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for value in node.value:
                walk(value)

    for document in yaml.compose_all(path.read_text(encoding="utf-8")):
        walk(document)
    return found


def test_no_playbook_overrides_a_merged_key():
    """ansible-core 2.19 warns "Found duplicate mapping key" for each one, in every run and in ansible-lint."""
    files = [path for folder in ("roles", "tests/integration", "tests/demo", "docs", "changelogs")
             for path in (ROOT / folder).rglob("*.y*ml") if "output" not in path.parts]  # fmt: skip
    assert files
    assert [key for path in files for key in overridden_merge_keys(path)] == []
