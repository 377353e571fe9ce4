"""The IT guide's main policy example (section 4), as the tests that apply it read it."""
from __future__ import annotations

import re
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "packaging" / "IT-GUIDE.md"


def policy_example() -> str:
    """The first TOML block of "## 4. IT policy" (other sections carry their own, smaller examples)."""
    section = GUIDE.read_text(encoding="utf-8").split("## 4. IT policy", 1)[1]
    return re.search(r"```toml\n(.*?)```", section, re.S).group(1)
