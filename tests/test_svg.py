"""award_eval.present.svg: the profile's two figures as SVG (escaped, deterministic, well-formed, with alt text)."""
from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import nbformat
import pytest
from bs4 import BeautifulSoup

from award_eval.present import plots, svg
from award_eval.profile import build_profile
from award_eval.run.report.html import ReportInfo, render_notebook

NS = {"s": "http://www.w3.org/2000/svg"}
HOSTILE = "<script>alert(1)</script>&\"'"


@pytest.fixture(scope="module")
def fw():
    from award_eval import load_framework

    from .conftest import CRITERIA
    return load_framework(CRITERIA)


@pytest.fixture(scope="module")
def profile(fw):
    from award_eval import load_award_data

    from .conftest import DEMO
    return build_profile(fw, load_award_data(DEMO, fw), "0120")


def _figures(profile, fw, lang="sv", name=None):
    pop = profile.population
    if name is not None:
        pop = pop.assign(name=pop["name"].where(pop["code"] != profile.code, name))
    return (svg.national_position(pop, profile.code, lang),
            svg.profile_bars(profile.criteria, fw, name or profile.name, lang))


def _texts(fig: svg.SvgFigure) -> list[str]:
    return [el.text or "" for el in ET.fromstring(fig.svg).iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_figures_are_well_formed_svg_that_scale(profile, fw, lang):
    for fig in _figures(profile, fw, lang):
        root = ET.fromstring(fig.svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        x0, y0, w, h = (float(v) for v in root.get("viewBox").split())
        assert (x0, y0) == (0, 0) and w == svg.WIDTH and 100 < h < 1200
        assert (float(root.get("width")), float(root.get("height"))) == (w, h)  # natural size = viewBox: scales by ratio
        assert root.find("s:title", NS).text == fig.alt
        # no script, no external reference: nothing a report's CSP would block or a reader could follow
        assert not root.findall(".//s:script", NS) and "href" not in fig.svg and "url(" not in fig.svg
        assert min(float(e.get("font-size")) for e in root.iter("{http://www.w3.org/2000/svg}text")) >= svg.SMALL


def test_national_position_shows_every_municipality_and_labels_the_highlighted_one(profile, fw):
    fig, _ = _figures(profile, fw)
    root = ET.fromstring(fig.svg)
    circles = root.findall("s:circle", NS)
    pop = profile.population.dropna(subset=["index"])
    group = pop[pop["skr_group"] == profile.skr_group]
    highlighted = [c for c in circles if c.get("fill") == svg.ACCENT and c.get("r") == "7.5"]
    assert len(circles) == len(pop) + len(group) + 2 + 2  # two rows of dots, the municipality in each, two in the legend
    assert len(highlighted) == 2 and len({c.get("cx") for c in highlighted}) == 1
    texts = _texts(fig)
    assert texts.count("Värmdö") == 2  # the legend and the label above its dot
    assert {"Hela riket", "Indikatorindex (0–100)", "Median", "En kommun"} <= set(texts)
    assert fig.alt == "Indikatorindex (0–100): Värmdö, Median, En kommun"


def test_profile_bars_has_one_bar_and_label_per_criterion(profile, fw):
    _, fig = _figures(profile, fw, "en")
    root = ET.fromstring(fig.svg)
    bars = [r for r in root.findall("s:rect", NS) if r.get("height") == "24.8"]
    assert len(bars) == len(profile.criteria)
    texts = " ".join(_texts(fig))
    for criterion in profile.criteria["criterion"]:
        assert fw.label(criterion, "en").split()[0] in texts
    assert fig.alt.startswith("Score (0–100): Värmdö: indicator")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_alt_text_is_the_one_the_matplotlib_figure_carries(profile, fw, lang):
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    nat, bars = _figures(profile, fw, lang)
    for fig, made in ((nat, plots.national_position(profile.population, profile.code, lang)),
                      (bars, plots.profile_bars(profile.criteria, fw, profile.name, lang))):
        assert fig.alt == plots.alt_text(made)
        plt.close(made)


def test_numbers_use_the_languages_format(profile, fw):
    sv_texts = set(_texts(_figures(profile, fw, "sv")[1]))
    assert {"0", "20", "100"} <= sv_texts
    crit = profile.criteria.dropna(subset=["score"])
    assert all(f"{s:.0f}" in sv_texts for s in crit["score"].round())


def test_a_hostile_name_is_escaped_text(profile, fw):
    for fig in _figures(profile, fw, name=HOSTILE):
        assert "<script>" not in fig.svg and "&lt;script&gt;" in fig.svg
        root = ET.fromstring(fig.svg)  # still well-formed
        assert not root.findall(".//s:script", NS)
        assert any(HOSTILE in text for text in _texts(fig))
        assert HOSTILE in fig.alt


def test_same_inputs_give_the_same_bytes(profile, fw):
    first = [f.svg for f in _figures(profile, fw)]
    assert [f.svg for f in _figures(profile, fw)] == first
    assert not re.search(r"-0(?![.\d])", "".join(first))  # no "-0" coordinates


def test_display_bundle_carries_the_alt_text(profile, fw):
    fig, _ = _figures(profile, fw)
    data, metadata = fig._repr_mimebundle_()
    assert data["image/svg+xml"] == fig.svg == fig._repr_svg_()
    assert metadata == {"image/svg+xml": {"alt": fig.alt}}


def test_the_report_shows_the_svg_as_an_image_with_its_alt(profile, fw):
    fig, _ = _figures(profile, fw, "en", name=HOSTILE)
    data, metadata = fig._repr_mimebundle_()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("show()", outputs=[
        nbformat.v4.new_output("display_data", data=data, metadata=metadata)])]
    page = render_notebook(nb, ReportInfo(title="T", award="A", lang="en"))
    imgs = BeautifulSoup(page, "html.parser").find_all("img")
    assert len(imgs) == 1 and imgs[0]["alt"] == fig.alt
    src = imgs[0]["src"]
    assert src.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(src.split(",", 1)[1]).decode("utf-8") == fig.svg
    assert "<script>" not in page
    box = imgs[0].parent
    assert "figure-scroll" in box["class"] and box["aria-label"] == fig.alt  # scrolls on a phone, like a PNG


def test_a_municipality_without_an_index_has_no_dot_and_no_nan(profile, fw):
    pop = profile.population.assign(index=profile.population["index"].where(profile.population["code"] != profile.code))
    fig = svg.national_position(pop, profile.code)
    root = ET.fromstring(fig.svg)
    assert not re.search(r"\"[^\"]*nan[^\"]*\"", fig.svg.replace("dominant-baseline", ""), re.I)  # no NaN coordinate
    assert not [c for c in root.findall("s:circle", NS) if c.get("r") == "7.5"]
    assert _texts(fig).count("Värmdö") == 1  # the legend only
