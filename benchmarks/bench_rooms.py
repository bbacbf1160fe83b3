"""What a forked room carries: modules and source lines of ``reference_impl`` a one-room service loads.

Each configuration runs in a fresh interpreter: the app is built with ``IBML_ROOMS``-style room names,
taken through its lifespan and ``/readyz`` (real providers, an empty workspace, so degraded), then the
loaded ``reference_impl`` modules are counted. Not a timing: a size, printed for docs/architecture.md.

    python benchmarks/bench_rooms.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

_CHILD = """
import json, sys
from reference_impl.serving import ServiceSettings, create_app
from reference_impl.serving.testing import test_client
app = create_app(ServiceSettings(home=sys.argv[2], rooms=sys.argv[1]))
with test_client(app) as client:
    client.get("/readyz")
mods = sorted(m for m in sys.modules if m.startswith("reference_impl"))
lines = sum(sum(1 for _ in open(sys.modules[m].__file__, encoding="utf-8")) for m in mods
            if getattr(sys.modules[m], "__file__", None))
packages = sorted({m.split(".")[1] for m in mods if m.count(".") >= 1})
print(json.dumps({"modules": len(mods), "lines": lines, "packages": packages}))
"""


def measure(rooms: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="ibml-rooms-") as home:
        out = subprocess.run([sys.executable, "-c", _CHILD, rooms, home], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    print(f"{'rooms mounted':<14} {'modules':>8} {'lines':>8}  packages")
    for rooms in ("trades", "kyc", "trades,kyc"):
        m = measure(rooms)
        print(f"{rooms:<14} {m['modules']:>8} {m['lines']:>8,}  {', '.join(m['packages'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
