"""Report building blocks: number formats, escaped tables, the sanitiser, contents, notebook
preparation, method and provenance text, privacy helpers. No notebook is executed here."""
from __future__ import annotations

import copy
import dataclasses

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from award_eval import i18n
from award_eval.evaluation import Settings, evaluate
from award_eval.present import tables
from award_eval.present.method import (
    method_html,
    method_record,
    provenance_html,
    weight_shares,
)
from award_eval.present.publish import RECORD_MIME, ranking_summary
from award_eval.privacy import (
    anonymise,
    juror_aliases,
    replace_names,
    scrub_names_html,
    scrub_paths,
)
from award_eval.run.report.html import (
    ReportInfo,
    add_toc,
    prepare_notebook,
    render_notebook,
    sanitize_html,
)

PAYLOAD = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"


# --- numbers ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, lang, decimals, expected", [
    (1234.56, "sv", 1, "1\u00a0234,6"),
    (1234.56, "en", 1, "1,234.6"),
    (-1234.56, "sv", 1, "\u22121\u00a0234,6"),
    (-1234.56, "en", 1, "\u22121,234.6"),  # a minus sign, not a hyphen, in English too
    (1234567, "sv", 0, "1\u00a0234\u00a0567"),
    (0.04, "sv", 1, "0,0"),
    (-0.04, "sv", 1, "0,0"),  # no "−0,0"
    (65.5, "sv", 1, "65,5"),
    (float("nan"), "sv", 1, "–"),
    (None, "en", 1, "–"),
])
def test_fmt_number(value, lang, decimals, expected):
    assert i18n.fmt_number(value, lang, decimals) == expected


def test_signed_percent_range_and_sort_key():
    assert i18n.fmt_number(12.4, "sv", 0, sign=True) == "+12"
    assert i18n.fmt_number(-12.4, "en", 0, sign=True) == "\u221212"  # the profile's "-13" was a hyphen
    assert i18n.fmt_percent(16.666, "sv", 1) == "16,7\u00a0%"
    assert i18n.fmt_percent(16.666, "en", 1) == "16.7%"
    assert i18n.fmt_range(2, 4, "sv") == "2–4" and i18n.fmt_range(3, 3, "sv") == "3"
    names = ["Örebro", "Älmhult", "Åre", "Arboga", "Ystad"]
    assert sorted(names, key=lambda n: i18n.sort_key(n, "sv")) == ["Arboga", "Ystad", "Åre", "Älmhult", "Örebro"]
    with pytest.raises(ValueError):
        i18n.t("rank", "de")


def test_skr_group_names():
    assert i18n.skr_group_name("C8", "sv") == "C8 Landsbygdskommuner"
    assert i18n.skr_group_name("A1", "en") == "A1 Metropolitan municipalities"
    assert i18n.skr_group_name("X9", "en") == "X9"


# --- tables ----------------------------------------------------------------------------------------------

def test_table_escapes_every_cell_and_header():
    frame = pd.DataFrame({"name": [PAYLOAD, "Åre & Co"], "score": [1234.5, 2.25]})
    html = tables.table(frame, "sv", headers={"name": IMG}, caption=PAYLOAD)._repr_html_()
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script") and not soup.find_all("img")
    assert PAYLOAD in soup.get_text() and IMG in soup.get_text()
    assert "&amp; Co" in html
    cells = [td.get_text() for td in soup.find_all("td")]
    assert cells == [PAYLOAD, "1\u00a0234,5", "Åre & Co", "2,2"]  # 2.25 rounds half to even
    assert soup.find_all("td")[1]["class"] == ["num"]


def test_table_number_formats_follow_language():
    frame = pd.DataFrame({"x": [1234.5]})
    assert "1,234.5" in tables.table(frame, "en")._repr_html_()
    assert "1\u00a0234,5" in tables.table(frame, "sv")._repr_html_()
    assert "1\u00a0234,5" in repr(tables.table(frame, "sv"))


_CELL_TEXT = st.text(alphabet=st.sampled_from(list("abcÅÄÖåäö 0123456789,.−—–%-&<>\"'\t\n\u00a0")), max_size=12)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(headers=st.lists(st.text(alphabet="abcÅö Δ%", min_size=1, max_size=8).filter(lambda h: h == h.strip()),
                        min_size=1, max_size=4),  # a header from the catalogue: no surrounding spaces
       data=st.data())
def test_text_grid_writes_what_pandas_writes(headers, data):
    rows = data.draw(st.lists(st.lists(_CELL_TEXT, min_size=len(headers), max_size=len(headers)), max_size=6))
    expected = pd.DataFrame(rows, columns=headers).to_string(index=False)
    assert tables.text_grid(headers, rows) == expected


def test_table_cells_are_the_values_a_row_walk_gives():
    # mixed columns (an object row) and all-numeric ones (ints read as floats in a row walk)
    for frame in (pd.DataFrame({"name": ["Åre", None, "Ö"], "n": [1, 2, 3], "x": [0.5, float("nan"), 2.25],
                                "flag": [True, False, True]}),
                  pd.DataFrame({"n": [1, 20, 300], "x": [0.25, 1.5, -2.0]})):
        for lang in ("sv", "en"):
            t = tables.table(frame, lang, formats={"n": "text"}, caption="c")
            walked = [[col.format(row[col.key], lang) for col in t.columns] for _, row in frame.iterrows()]
            assert t.cells() == walked
            assert repr(t) == "c\n" + pd.DataFrame(walked, columns=[c.header for c in t.columns]).to_string(index=False)


def test_html_pieces_escape():
    for piece in (tables.paragraph("a ", ("strong", PAYLOAD)), tables.notice(PAYLOAD), tables.heading(PAYLOAD),
                  tables.facts([(PAYLOAD, IMG)]), tables.bullet_list([IMG])):
        soup = BeautifulSoup(piece._repr_html_(), "html.parser")
        assert not soup.find_all("script") and not soup.find_all("img")


def test_ranking_table_labels_from_criteria(framework, demo_data):
    result = evaluate(framework, demo_data)
    html_sv = tables.ranking_table(result, "sv")._repr_html_()
    html_en = tables.ranking_table(result, "en")._repr_html_()
    assert "Ledarskap och styrning" in html_sv and "Leadership and governance" in html_en
    assert "Placering" in html_sv and "Rank" in html_en
    top = result.ranking.iloc[0]
    assert i18n.fmt_number(top["score"], "sv", 1) in html_sv and i18n.fmt_number(top["score"], "en", 1) in html_en


def test_rank_interval_column_when_given(framework, demo_data):
    result = evaluate(framework, demo_data)
    iv = pd.DataFrame({"code": result.ranking["code"], "rank_low": 1, "rank_high": 3, "rank_median": 2.0,
                       "p_first": 0.25})
    html = tables.ranking_table(result, "sv", intervals=iv)._repr_html_()
    assert "Placeringsintervall" in html and "1–3" in html
    assert "25\u00a0%" in tables.interval_table(iv, result.ranking, "sv")._repr_html_()
    summary = ranking_summary(result.ranking, intervals=iv)
    assert summary["top"][0]["rank_low"] == 1 and summary["top"][0]["p_first"] == 0.25


def test_ranking_sentences_name_the_winner(framework, demo_data):
    result = evaluate(framework, demo_data)
    first = result.ranking.iloc[0]
    sv = " ".join(tables.ranking_sentences(result, 7, "sv"))
    en = " ".join(tables.ranking_sentences(result, 7, "en"))
    assert f"{first['name']} vinner med {i18n.fmt_number(first['score'], 'sv', 1)} poäng" in sv
    assert f"{first['name']} wins with {i18n.fmt_number(first['score'], 'en', 1)} points" in en


def test_ranking_summary_with_an_unranked_nominee():
    ranking = pd.DataFrame({"rank": pd.array([1, pd.NA], dtype="Int64"), "code": ["a", "b"], "name": ["A", "B"],
                            "score": [9.0, float("nan")]})
    top = ranking_summary(ranking)["top"]
    assert top[1]["rank"] is None and top[1]["score"] is None


def test_ranking_summary_keeps_every_tied_winner():
    ranking = pd.DataFrame({"rank": [1, 1, 1, 1, 5], "code": list("abcde"), "name": list("ABCDE"),
                            "score": [9.0, 9.0, 9.0, 9.0, 1.0]})
    assert [t["code"] for t in ranking_summary(ranking, top=3)["top"]] == list("abcd")


# --- sanitiser and page assembly ---------------------------------------------------------------------------

@pytest.mark.parametrize("fragment", [
    PAYLOAD, IMG, '<a href="javascript:alert(3)">x</a>', '<div onclick="alert(4)">x</div>',
    '<iframe src="https://example.org"></iframe>', '<svg><script>alert(5)</script></svg>',
    '<img src="https://tracker.example/p.gif">', '<a href="data:text/html,hi">x</a>',
    '<style>body{display:none}</style><p>ok</p>',
])
def test_sanitize_html_removes_active_content(fragment):
    soup = BeautifulSoup(sanitize_html(fragment), "html.parser")
    assert not soup.find_all(["script", "iframe", "svg", "style"])
    for tag in soup.find_all(True):
        assert not any(a.startswith("on") for a in tag.attrs)
        assert not tag.get("href", "").startswith(("javascript:", "data:"))
        assert not tag.get("src", "").startswith("http")


def test_sanitize_html_keeps_tables_and_data_images():
    fragment = ('<table class="x"><thead><tr><th scope="col">A</th></tr></thead><tbody><tr><td>1</td></tr>'
                '</tbody></table><img src="data:image/png;base64,iVBORw0KGgo=" alt="f"><h2 id="a">T</h2>')
    soup = BeautifulSoup(sanitize_html(fragment), "html.parser")
    assert soup.find("th")["scope"] == "col" and soup.find("img")["src"].startswith("data:image/png")
    assert soup.find("h2")["id"] == "a"


def test_add_toc_links_every_h2():
    page = ('<!--ae-toc--><h2 id="Rank">Rank<a class="anchor-link" href="#Rank">¶</a></h2><p>x</p>'
            '<h2>Second &amp; last</h2><h2>Second &amp; last</h2>')
    out = add_toc(page, "Contents")
    soup = BeautifulSoup(out, "html.parser")
    links = [(a["href"], a.get_text()) for a in soup.select("nav.toc a")]
    assert links[0] == ("#Rank", "Rank")
    assert links[1][1] == "Second & last" and links[1][0] != links[2][0]
    ids = [h["id"] for h in soup.find_all("h2")]
    assert len(set(ids)) == 3 and all(f"#{i}" in dict(links) for i in ids)


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell("x = 2")
    injected.metadata["tags"] = ["injected-parameters"]
    sv = nbformat.v4.new_markdown_cell("## Svenska")
    sv.metadata["tags"] = ["lang-sv"]
    en = nbformat.v4.new_markdown_cell("## English")
    en.metadata["tags"] = ["lang-en"]
    out = nbformat.v4.new_code_cell("show()")
    out.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: noisy\n"),
        nbformat.v4.new_output("stream", name="stdout", text="kept\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "<Figure size 640x480 with 1 Axes at 0x7f00>"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
        nbformat.v4.new_output("display_data", data={RECORD_MIME: {"kind": "ranking"}, "text/html": "<p>m</p>"}),
        nbformat.v4.new_output("display_data", data={"text/html": "<p>table</p>", "text/plain": "t"}),
    ]
    nb.cells = [params, injected, sv, en, out]
    return nb


def test_prepare_notebook_keeps_only_what_a_reviewer_reads():
    nb, record = prepare_notebook(_notebook(), "sv")
    assert record == {"kind": "ranking"}
    sources = [c.source for c in nb.cells]
    assert sources == ["## Svenska", "show()"]
    outputs = nb.cells[-1].outputs
    assert [o.get("name") or list(o["data"]) for o in outputs] == ["stdout", ["text/html", "text/plain"]]
    nb_en, _ = prepare_notebook(_notebook(), "en")
    assert [c.source for c in nb_en.cells] == ["## English", "show()"]


def _figure_notebook(alt: str | None) -> nbformat.NotebookNode:
    """One code cell showing a (1×1 pixel) PNG, with ``alt`` in its output metadata when given."""
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    metadata = {"image/png": {"width": 10, "height": 10, **({"alt": alt} if alt else {})}}
    out = nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}, metadata=metadata)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## Figur"), nbformat.v4.new_code_cell("show()", outputs=[out])]
    return nb


@pytest.mark.parametrize("alt, lang, expected", [
    ("Poäng (0–100): Värmdö, Median", "sv", "Poäng (0–100): Värmdö, Median"),
    (None, "sv", "Diagram"),
    (None, "en", "Chart"),
    ('"><script>alert(1)</script>', "en", '"><script>alert(1)</script>'),
])
def test_every_figure_has_an_alt_text(alt, lang, expected):
    html = render_notebook(_figure_notebook(alt), ReportInfo(title="T", award="A", lang=lang))
    imgs = BeautifulSoup(html, "html.parser").find_all("img")
    assert len(imgs) == 1 and imgs[0]["alt"] == expected
    assert imgs[0]["width"] == "10" and imgs[0]["src"].startswith("data:image/png;base64,")
    assert "<script>" not in html and "No description has been provided" not in html


def test_reports_rendered_in_parallel_threads_are_identical():
    """Each thread keeps its own exporter; a page does not depend on the thread or what it rendered before."""
    from concurrent.futures import ThreadPoolExecutor

    info = ReportInfo(title="T", award="A", lang="sv")
    notebooks = {"x": _figure_notebook("x"), None: _figure_notebook(None)}  # cell ids are random: made once
    first = render_notebook(copy.deepcopy(notebooks["x"]), info)
    with ThreadPoolExecutor(4) as pool:
        pages = list(pool.map(lambda alt: render_notebook(copy.deepcopy(notebooks[alt]), info), ["x", None] * 8))
    assert pages[0::2] == [first] * 8
    assert all('alt="Diagram"' in page for page in pages[1::2])


def test_alt_text_of_a_figure_says_its_titles_axes_and_legend():
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    from award_eval.present.plots import alt_text

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="Värmdö")
    ax.plot([0, 1], [1, 0], label="Median")
    ax.set_title("Rangordning")
    ax.set_xlabel("Poäng\n(0–100)")
    ax.legend()
    assert alt_text(fig) == "Rangordning (Poäng (0–100)): Värmdö, Median"
    fig.suptitle("Översikt")
    assert alt_text(fig).startswith("Översikt. Rangordning")
    plt.close(fig)
    bare, _ = plt.subplots()
    assert alt_text(bare) == ""
    plt.close(bare)


def test_jury_tables_use_the_reports_number_format(framework, demo_data):
    from award_eval import jury

    names = demo_data.nominees.set_index("code")["name"]
    agreement = jury.agreement(demo_data.jury_scores, framework)
    sv = BeautifulSoup(tables.jury_summary_table(agreement, framework, lang="sv", decimals=3)._repr_html_(),
                       "html.parser")
    en = BeautifulSoup(tables.jury_summary_table(agreement, framework, lang="en", decimals=3)._repr_html_(),
                       "html.parser")
    assert [th.get_text() for th in sv.find_all("th")][:2] == ["Kriterium", "Antal betyg"]
    icc = agreement["icc2k"].iloc[0]
    assert i18n.fmt_number(icc, "sv", 3) in sv.get_text() and "," in i18n.fmt_number(icc, "sv", 3)
    assert i18n.fmt_number(icc, "en", 3) in en.get_text()
    summary = jury.completeness_summary(demo_data.jury_scores, framework, demo_data.nominees,
                                        conflicts=demo_data.conflicts)
    cells = tables.jury_summary_table(summary, framework, lang="sv").cells()
    assert {row[-1] for row in cells} <= {"ja", "nej"}  # booleans in words, in the report's language

    comparison = jury.method_comparison(demo_data.jury_scores)
    table = tables.method_table(comparison, names, "sv")
    headers = [c.header for c in table.columns]
    assert headers[:3] == ["Kommun", "Medelvärde: poäng", "Medelvärde: placering"] and len(headers) == 1 + 2 * len(jury.METHODS)
    ranks = [row[2] for row in table.cells()]
    assert ranks == sorted(ranks, key=int) and "," in table.cells()[0][1]


def test_a_long_disagreement_list_is_cut_and_says_so(framework, demo_data):
    from award_eval import jury

    disagree = jury.disagreements(demo_data.jury_scores, threshold=1)
    assert len(disagree) > 5
    table = tables.jury_summary_table(disagree, framework, lang="sv", limit=5)
    assert len(table) == 5 and table.caption == f"De 5 första av {len(disagree)} rader; alla finns i utvärderingens CSV-fil."
    assert tables.jury_summary_table(disagree, framework, lang="sv", limit=len(disagree)).caption is None


def test_screening_table_formats_ranks_and_scores(framework, demo_data):
    from award_eval import screening

    ranked = screening.ranking(screening.screen(framework, demo_data), demo_data)
    sv = tables.screening_table(ranked.head(3), "sv")
    assert [c.header for c in sv.columns][:2] == ["Placering", "Kommun"]
    first = dict(zip([c.key for c in sv.columns], sv.cells()[0]))
    assert first["rank"] == "1" and first["score"] == i18n.fmt_number(ranked["score"].iloc[0], "sv", 1)


# --- method and provenance -------------------------------------------------------------------------------

def test_weight_shares_sum_to_100(framework):
    shares = weight_shares(framework)
    assert shares["share"].sum() == pytest.approx(100.0)
    assert list(shares["criterion"]) == [n.id for n in framework.leaves()]


def test_method_text_follows_the_actual_settings(framework, demo_data):
    base = method_html(method_record(framework, demo_data, Settings(), seed=7), framework, "sv")
    assert "min–max" in base and "aritmetiskt" in base and "slumpfrö 7" in base
    assert "290" in base and "Ingen osäkerhetsanalys" in base
    other = method_html(method_record(framework, demo_data, Settings(normalisation="zscore", aggregation="geometric",
                                                                    jury_method="zscore"),
                                      seed=1, anonymise_jurors=True,
                                      uncertainty={"runs": 1000, "varied": "weights"}), framework, "en")
    assert "z-scores" in other and "geometric" in other and "corrected for strictness" in other
    assert "J1…Jn" in other and "1000" in other and "no uncertainty" not in other.lower()
    assert "Leadership and governance" in other  # the weights table, labels from the criteria file


def test_method_and_provenance_escape_file_text(framework, demo_data):
    fw = framework.model_copy(update={"version": PAYLOAD})
    html = method_html(method_record(fw, demo_data, Settings()), fw, "sv")
    html += provenance_html({"criteria_version": PAYLOAD, "inputs": {IMG: "abc"}, "packages": {"x": PAYLOAD},
                             "git_commit": None, "award_eval": "0.1.0", "seed": 42}, "en")
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script") and not soup.find_all("img")
    assert "none (not a git checkout)" in soup.get_text()


# --- privacy ---------------------------------------------------------------------------------------------

def test_juror_aliases_are_stable_and_complete(demo_data):
    aliases = juror_aliases(demo_data.jury_scores["juror"])
    assert aliases == juror_aliases(reversed(list(demo_data.jury_scores["juror"])))
    assert sorted(aliases.values(), key=lambda a: int(a[1:])) == [f"J{i}" for i in range(1, len(aliases) + 1)]


def test_anonymise_replaces_names_in_scores_comments_and_conflicts(demo_data):
    scores = demo_data.jury_scores.copy()
    scores.loc[0, "comment"] = "Enligt Carin Ek och Björn Lind: bra."
    data = anonymise(dataclasses.replace(demo_data, jury_scores=scores))
    names = set(demo_data.jury_scores["juror"])
    assert set(data.jury_scores["juror"]) <= {f"J{i}" for i in range(1, 20)}
    assert set(data.conflicts["juror"]) <= set(data.jury_scores["juror"])
    text = " ".join(data.jury_scores["comment"]) + " ".join(data.conflicts["reason"])
    assert not any(n in text for n in names)
    assert data.jury_scores.loc[0, "comment"].startswith("Enligt J")


def test_replace_names_whole_words_only():
    aliases = {"Ek": "J1", "Carin Ek": "J2"}
    assert replace_names("Carin Ek och Ek, inte Eken", aliases) == "J2 och J1, inte Eken"
    assert scrub_names_html("O&#x27;Brien", {"O'Brien": "J3"}) == "J3"
    image = '<img src="data:image/png;base64,AAAA/Ek/BB==">'
    assert scrub_names_html(f"Ek {image}", {"Ek": "J1"}) == f"J1 {image}"


def test_scrub_paths(tmp_path):
    root = tmp_path / "proj"
    text = f"{root}/data/demo/x.csv and {root}, {root}x/y.csv and {tmp_path}/other/y.csv"
    only_root = scrub_paths(text, [root])
    assert only_root.startswith("data/demo/x.csv and , ") and f"{root}x/y.csv" in only_root  # a prefix is not a folder
    out = scrub_paths(text, [root, tmp_path])
    assert str(tmp_path) not in out and "data/demo/x.csv" in out and "other/y.csv" in out


def test_scrub_paths_leaves_embedded_images_alone():
    image = 'src="data:image/png;base64,AAAA/tmp/BBBB/root+CC=="'
    assert scrub_paths(f"/tmp/x.csv {image}", ["/tmp", "/root"]) == f"x.csv {image}"
    assert scrub_paths("/tmpfile /rooted /root /work/tmp/x", ["/tmp", "/root"]) == "/tmpfile /rooted  /work/tmp/x"
