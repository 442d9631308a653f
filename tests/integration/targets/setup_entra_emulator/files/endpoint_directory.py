"""Print the local endpoint's directory (tenants, apps, secrets, resources) as JSON, for the targets.

    python endpoint_directory.py <tests/emulator>

The targets read these instead of repeating GUIDs: the same constants the demo and the pytest tests import from
entra_emulator.defaults, lower-cased (TENANT_ID -> tenant_id).
"""

from __future__ import annotations

import json
import sys


def main(emulator_dir: str) -> int:
    sys.path.insert(0, emulator_dir)
    from entra_emulator import defaults

    directory = {name.lower(): value for name, value in vars(defaults).items()
                 if name.isupper() and not name.startswith("_") and isinstance(value, (str, list))}
    print(json.dumps(directory))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
