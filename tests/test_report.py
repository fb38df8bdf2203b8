"""The HTML report: files exist, images decode, every chart has a caption, works offline."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import matplotlib.image
import pytest
from synthetic_run import demo_run, write_run

from pipeline.aggregate import is_finalized
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import BlamegraphError
from pipeline.report import build_report


class _Page(HTMLParser):
    """Collects <img> sources, whether each sits in a <figure> with a <figcaption>, links."""

    def __init__(self):
        super().__init__()
        self.figures: list[dict] = []
        self.stray_images: list[str] = []
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self._figure: dict | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "figure":
            self._figure = {"imgs": [], "caption": ""}
        elif tag == "img":
            if self._figure is None:
                self.stray_images.append(attrs.get("src", ""))
            else:
                self._figure["imgs"].append(attrs.get("src", ""))
        elif tag == "figcaption":
            self._in_caption = True

    def handle_endtag(self, tag):
        if tag == "figure" and self._figure is not None:
            self.figures.append(self._figure)
            self._figure = None
        elif tag == "figcaption":
            self._in_caption = False

    def handle_data(self, data):
        if self._in_caption and self._figure is not None:
            self._figure["caption"] += data


def _check_report(index):
    folder = index.parent
    page = _Page()
    page.feed(index.read_text(encoding="utf8"))
    assert not page.stray_images, "every image must sit in a figure with a caption"
    assert len(page.figures) >= 5
    for fig in page.figures:
        assert len(fig["imgs"]) == 1
        assert len(fig["caption"].strip()) > 40
        src = fig["imgs"][0]
        assert not re.match(r"^[a-z]+:", src) and not src.startswith("/")  # relative
        image = matplotlib.image.imread(folder / src)  # decodes, or raises
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    # Self-contained: no scripts, stylesheets, fonts or remote resources.
    assert not {"script", "link", "iframe", "object", "embed"} & set(page.tags)
    assert "@import" not in index.read_text() and "url(" not in index.read_text()
    for href in page.hrefs:  # internal anchors resolve
        if href.startswith("#"):
            assert href[1:] in page.ids
    return page


@pytest.fixture(scope="module")
def loaded():
    return load_config(overrides=["divergence.n_boot=30", "divergence.period=year",
                                  "divergence.min_statements=10"])


def test_report_on_a_run_with_blame(tmp_path, loaded):
    run = demo_run(tmp_path / "run", n_docs=40, seed=5)
    index = build_report(run, loaded)
    assert index == run / "report" / "index.html"
    assert is_finalized(run)  # computed the aggregates it needed
    page = _check_report(index)
    text = index.read_text()
    assert "Most-blamed actors" in text and "<mark>" in text
    assert any(h.startswith("#doc-") for h in page.hrefs)  # evidence links to its document
    assert "no data" not in " ".join(f["caption"] for f in page.figures)
    assert not list(run.glob(".tmp-*"))


def test_report_on_an_empty_run_says_no_data(tmp_path, loaded):
    run = write_run(tmp_path / "empty")
    page = _check_report(build_report(run, loaded))
    assert all("no data" in f["caption"] for f in page.figures)


def test_report_refuses_to_overwrite_without_force(tmp_path, loaded):
    run = write_run(tmp_path / "empty")
    build_report(run, loaded)
    with pytest.raises(BlamegraphError, match="E076"):
        build_report(run, loaded)
    assert build_report(run, loaded, force=True).exists()
    with pytest.raises(BlamegraphError, match="E070"):
        build_report(tmp_path / "missing", loaded)


def test_report_cli(tmp_path, capsys):
    run = demo_run(tmp_path / "run", n_docs=12, seed=1)
    assert main(["report", str(run), "--set", "divergence.n_boot=10"]) == 0
    assert "index.html" in capsys.readouterr().out
    assert main(["report", str(run)]) == 1
    assert "E076" in capsys.readouterr().err
    assert main(["report", str(run), "--force", "--divergence.n_boot", "5"]) == 0
