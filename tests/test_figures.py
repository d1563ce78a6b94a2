"""Figures in the answers: every image link resolves, every PNG comes from a notebook, and PNGs stay small."""
import json
import re
from pathlib import Path
from urllib.parse import unquote

from dlkit.data import REPO_ROOT
from dlkit.quote import markdown_files

FIGURES = REPO_ROOT / "answers" / "figures"
MAX_BYTES = 200_000

FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1", re.M | re.S)
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^)]*)?\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.I)
# plots.save_figure(fig, "stem") or save_figure(fig, name=f"stem_{x}"): the name is the first string argument
SAVE_FIGURE = re.compile(r"save_figure\([^\"']*?,\s*(?:name\s*=\s*)?(f?)[\"']([^\"']+)[\"']", re.S)


def image_links(text: str) -> list[str]:
    """Local image targets of ![alt](path) and <img src="path">, outside fenced code blocks."""
    text = FENCE.sub("", text)
    links = MARKDOWN_IMAGE.findall(text) + HTML_IMAGE.findall(text)
    return [link for link in links if not re.match(r"[a-z][a-z0-9+.-]*:|#", link, re.I)]


def dangling_images(md: Path) -> list[str]:
    """'file: link' for every image link in `md` whose file (relative to `md`) does not exist."""
    targets = (unquote(link.split("#")[0].split("?")[0]) for link in image_links(md.read_text()))
    return [f"{md.name}: {t}" for t in targets if not (md.parent / t).is_file()]


def saved_figure_names(notebooks) -> list[re.Pattern]:
    """One pattern per save_figure name in the notebooks' code cells (f-string fields match anything)."""
    patterns = []
    for nb in notebooks:
        for cell in json.loads(Path(nb).read_text())["cells"]:
            if cell["cell_type"] == "code":
                for f, name in SAVE_FIGURE.findall("".join(cell["source"])):
                    parts = re.split(r"\{[^}]*\}", name) if f else [name]
                    patterns.append(re.compile(".+".join(map(re.escape, parts))))
    return patterns


def orphan_figures(pngs, notebooks) -> list[str]:
    patterns = saved_figure_names(notebooks)
    return [p.name for p in pngs if not any(pat.fullmatch(p.stem) for pat in patterns)]


def oversized(pngs) -> list[str]:
    return [f"{p.name}: {p.stat().st_size:,} bytes" for p in pngs if p.stat().st_size > MAX_BYTES]


def test_every_image_link_resolves():
    problems = [p for md in markdown_files() for p in dangling_images(md)]
    assert not problems, "image links to missing files:\n" + "\n".join(problems)


def test_every_figure_is_written_by_a_notebook():
    orphans = orphan_figures(sorted(FIGURES.glob("*.png")), sorted((REPO_ROOT / "notebooks").glob("*.ipynb")))
    assert not orphans, f"no notebook calls plots.save_figure(..., '<stem>') for {orphans}"


def test_figures_are_small():
    big = oversized(sorted(FIGURES.glob("*.png")))
    assert not big, f"figures over {MAX_BYTES:,} bytes (lower the dpi or the size):\n" + "\n".join(big)


def test_the_checks_catch_problems(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "ok.png").write_bytes(b"png")
    (tmp_path / "figures" / "q3_conf_mnist.png").write_bytes(b"png")
    (tmp_path / "figures" / "stray.png").write_bytes(bytes(MAX_BYTES + 1))
    md = tmp_path / "answer.md"
    md.write_text('![a](figures/ok.png) ![b](figures/gone.png "title")\n<img width="50" src="figures/lost.png">\n'
                  "![web](https://example.org/x.png)\n```\n![in code](figures/ignored.png)\n```\n")
    assert dangling_images(md) == ["answer.md: figures/gone.png", "answer.md: figures/lost.png"]
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": ["plots.save_figure(fig, \"ok\")\n",
                                         "for ds in names:\n", "    plots.save_figure(plt.gcf(), f\"q3_conf_{ds}\")"]},
        {"cell_type": "markdown", "source": ["plots.save_figure(fig, \"stray\")"]}]}))
    pngs = sorted((tmp_path / "figures").glob("*.png"))
    assert orphan_figures(pngs, [nb]) == ["stray.png"]
    assert oversized(pngs) == [f"stray.png: {MAX_BYTES + 1:,} bytes"]
