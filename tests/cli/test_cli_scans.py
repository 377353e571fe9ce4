"""A folder of scans only (a rasterised multi-page PDF, a PNG, a TIFF), indexed and searched with
`strongroom index` and `strongroom search` as child processes, with no network at all (`unshare -n`)
where this machine allows it."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers.scans import render_page, save_pdf, save_tiff, wrap

pytestmark = pytest.mark.slow

PAGES = {
    ("minutes.pdf", 1): "The board approved the purchase of the warehouse in Antwerp for four million euros. "
                        "The chair asked the auditors to review the valuation before the closing.",
    ("minutes.pdf", 2): "The company will open a research laboratory in Grenoble next spring. "
                        "Hiring of twelve chemists is planned for the first year.",
    ("receipt.png", 1): "Received from the tenant the security deposit of two months of rent for the flat "
                        "on Harbour Street, paid by bank transfer.",
    ("fax.tif", 1): "The shipping line confirms that the container of olive oil left Piraeus "
                    "and will arrive in Rotterdam on the fourteenth of May.",
    ("fax.tif", 2): "The insurer rejected the claim for water damage in the basement because the policy "
                    "had lapsed before the flood.",
}
# Text files around the scans, on near topics, so that a scan must earn its place in the top 5.
DISTRACTORS = ["warehouse lease in Hamburg with a rent review every five years",
               "security deposit rules for commercial tenants under the new act",
               "insurance policy renewal for the office fleet of delivery vans",
               "container demurrage charges at the port of Valencia",
               "laboratory safety training for new employees",
               "board resolution on the dividend for the last financial year",
               "flood risk survey of the riverside plot before purchase",
               "olive grove sale contract with an option to buy the press"]
QUESTIONS = [("how much was paid for the warehouse in Antwerp", "minutes.pdf"),
             ("where will the research laboratory open and how many chemists", "minutes.pdf"),
             ("security deposit for the flat on Harbour Street", "receipt.png"),
             ("when does the container of olive oil arrive in Rotterdam", "fax.tif"),
             ("why was the water damage claim rejected by the insurer", "fax.tif")]


def _cmd(*args: str) -> list[str]:
    cmd = [sys.executable, "-m", "app", *args]
    unshare = shutil.which("unshare")
    if sys.platform == "linux" and unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n", *cmd]
    return cmd


def _run(env: dict, *args: str):
    import os

    return subprocess.run(_cmd(*args), cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=600)


def test_scans_are_indexed_and_found(tmp_path, strongroom_home):
    folder = tmp_path / "scans"
    folder.mkdir()
    images = {key: render_page(wrap(text, 60), rotate=0.4, blur=0.4, jpeg=80, height_in=4)[0]
              for key, text in PAGES.items()}
    save_pdf([images[("minutes.pdf", 1)], images[("minutes.pdf", 2)]], folder / "minutes.pdf")
    images[("receipt.png", 1)].save(folder / "receipt.png")
    save_tiff([images[("fax.tif", 1)], images[("fax.tif", 2)]], folder / "fax.tif")
    for i, topic in enumerate(DISTRACTORS):
        body = "\n\n".join(f"Note {p + 1} on the {topic}. The {topic} was discussed with the client, "
                           f"who asked for a summary of the {topic} and of the costs involved." for p in range(6))
        (folder / f"note-{i}.txt").write_text(body, encoding="utf-8")
    env = {"STRONGROOM_HOME": str(strongroom_home)}
    assert _run(env, "library", "add", "Scans", str(folder)).returncode == 0

    out = _run(env, "index", "Scans", "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    files = sorted(str(folder / n) for n in ("fax.tif", "minutes.pdf", "receipt.png"))
    assert sorted(report["scanned"]) == files and report["failed"] == [] and len(report["indexed"]) == 11
    assert report["needs_ocr"] == [] and report["unreadable"] == [] and report["ocr_pages"] == 5

    found = 0
    for question, name in QUESTIONS:
        out = _run(env, "search", "--library", "Scans", "--limit", "5", "--json", question)
        assert out.returncode == 0, out.stderr[-2000:]
        hits = json.loads(out.stdout)
        found += name in [Path(h["file"]).name for h in hits]
    assert found / len(QUESTIONS) >= 0.8
