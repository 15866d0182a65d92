"""``main.py report``: one self-contained HTML file (inline PNGs, no script, no external link,
no name), in the staff language, checked by its structure and in a real headless browser."""

from __future__ import annotations

import base64
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.reports.export import write_report
from bot.services import Services
from tests.cli.test_main import run_main
from tests.reports.seed import MOTHERS, NOW, SINCE, utc

PNG = b"\x89PNG\r\n\x1a\n"
FORBIDDEN_TAGS = {"script", "link", "iframe", "object", "embed", "base", "form", "frame"}
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class Structure(HTMLParser):
    """Every tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def parse(page: str) -> Structure:
    structure = Structure()
    structure.feed(page)
    return structure


@pytest.fixture
def backend() -> str:
    """The page is drawn from the same figures on either backend (tested beside the queries);
    ``main.py report`` is run here on the SQLite file."""
    return "sqlite"


@pytest.fixture
def html_file(seeded: Services, tmp_path: Path) -> Path:
    out = tmp_path / "out" / "report.html"
    # The seeded week, until Sunday 29 November inclusive.
    return write_report(seeded.config, SINCE.date(), NOW.date().replace(day=29), out, utc(NOW))


def test_the_file_is_self_contained_and_carries_no_names(html_file: Path) -> None:
    page = html_file.read_text(encoding="utf-8")
    found = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert {tag for tag, _ in found.tags} & FORBIDDEN_TAGS == set()
    assert all(not name.startswith("on") for _, attrs in found.tags for name in attrs)
    assert not found.all("a") and "http://" not in page and "https://" not in page
    assert found.all("html")[0]["lang"] == "en"
    images = found.all("img")
    assert len(images) == 4
    for image in images:
        src = image["src"] or ""
        assert src.startswith("data:image/png;base64,") and image["alt"]
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
    text = " ".join(found.text)
    assert "Alerts raised: 4 urgent, 2 routine" in text
    assert "Poruch: care team report, 23.11.2026 – 29.11.2026" in text
    for name, username, _ in MOTHERS.values():
        assert name not in page and (username is None or username not in page)
    assert "m-000" not in page  # no pseudonyms either: counts only
    assert html_file.stat().st_mode & 0o077 == 0


def test_the_file_speaks_the_staff_language(seeded: Services, tmp_path: Path) -> None:
    config = replace(seeded.config, staff_language="uk")
    out = write_report(config, SINCE.date(), None, tmp_path / "uk.html", utc(NOW))
    page = out.read_text(encoding="utf-8")
    assert parse(page).all("html")[0]["lang"] == "uk"
    assert "Поруч: звіт команди клініки" in page and "Сигналів: 4 термінових" in page


def test_main_py_report_writes_the_file_and_explains_mistakes(
    seeded: Services, tmp_path: Path
) -> None:
    database = str(seeded.config.database_path)
    out = tmp_path / "r.html"
    done = run_main("report", "--since", "2026-11-23", "--out", str(out), DATABASE_PATH=database)
    assert done.returncode == 0, done.stderr
    assert f"report written: {out}" in done.stdout and out.read_text().startswith("<!DOCTYPE")
    missing = run_main("report", "--out", str(out), DATABASE_PATH=database)
    assert missing.returncode == 2 and "--since" in missing.stderr
    backwards = run_main(
        "report", "--since", "2026-11-23", "--until", "2026-11-01", "--out", str(out),
        DATABASE_PATH=database,
    )  # fmt: skip
    assert backwards.returncode == 1 and "must not be before" in backwards.stderr
    nothing = run_main(
        "report", "--since", "2026-11-23", "--out", str(out),
        DATABASE_PATH=str(tmp_path / "none.sqlite3"),
    )  # fmt: skip
    assert nothing.returncode == 1 and "no database" in nothing.stderr


def _browser() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def _headless(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_a_real_headless_browser_renders_it(html_file: Path, tmp_path: Path) -> None:
    browser = _browser()
    if browser is None:
        pytest.skip(
            "no Chromium here (looked for chromium, chromium-browser, google-chrome on PATH); "
            "on Debian: apt-get install chromium"
        )
    dom = _headless(browser, "--dump-dom", html_file.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = parse(dom.stdout)
    assert len(rendered.all("img")) == 4 and len(rendered.all("table")) == 4
    assert "Alerts raised: 4 urgent, 2 routine" in " ".join(rendered.text)
    shot = tmp_path / "shot.png"
    done = _headless(browser, f"--screenshot={shot}", "--window-size=1000,2400", html_file.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    from matplotlib.image import imread

    pixels = imread(str(shot))
    assert pixels.shape[0] == 2400 and pixels.std() > 0.05  # text, tables and charts drawn


def test_an_empty_clinic_still_gets_a_whole_report(services: Services, tmp_path: Path) -> None:
    out = write_report(services.config, SINCE.date(), None, tmp_path / "empty.html", utc(NOW))
    found = parse(out.read_text(encoding="utf-8"))
    text = " ".join(found.text)
    assert "Alerts raised: 0 urgent, 0 routine" in text and "Open now: none" in text
    assert "EPDS: no screenings in the period." in text
    assert len(found.all("img")) == 4  # each chart says "no data in the period"
