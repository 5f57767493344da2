"""The widget layer: one bundle with widget view + HTML + text; controls re-render the HTML."""

from __future__ import annotations

import ipywidgets
from bs4 import BeautifulSoup
from ipywidgets.widgets.widget import _instances

from golink_magic import table
from golink_magic.display import widgets


def test_bundle_carries_widget_html_and_text(table_results):
    r = table_results[1]
    bundle = widgets.result_bundle(r, widget=True)
    assert set(bundle) == {widgets.WIDGET_MIME, "text/html", "text/plain"}
    model = bundle[widgets.WIDGET_MIME]["model_id"]
    box = _instances[model]
    html = box.children[1]
    assert isinstance(html, ipywidgets.HTML) and html.value == bundle["text/html"]
    assert "hello.privInt64=5 ciao.linkedInt64=5" in bundle["text/plain"]


def test_no_widget_outside_a_kernel(table_results):
    bundle = table_results[1]._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}


def test_controls_change_the_rendered_html(table_results):
    v = widgets.result_view(table_results[1])
    page = BeautifulSoup(v.html.value, "html.parser")
    assert not page.select(".glm-pc") and not page.select("details[open]")
    v.controls["show_pc"].value = True
    assert BeautifulSoup(v.html.value, "html.parser").select(".glm-pc")
    v.controls["unfold"].value = True
    opened = BeautifulSoup(v.html.value, "html.parser").select("details[open] summary")
    assert [s.get_text() for s in opened] == ["stack check · 2 rows", "inlined from fmt/print.go:225 · 9 rows",
                                              "morestack tail · 2 rows"]
    assert v.controls["function"].options[1] == "main.main"
    v.controls["function"].value = "main.main"
    headers = BeautifulSoup(v.html.value, "html.parser").select(".glm-fnh .glm-sym")
    assert [h.get_text() for h in headers] == ["main.main"]


def test_table_baseline_picker_moves_the_marks(table_results):
    v = widgets.table_view(table(table_results))

    def marked_rows():
        page = BeautifulSoup(v.html.value, "html.parser")
        return [tr["data-case"] for tr in page.select("tr.glm-trow") if tr.select("mark.glm-chg")]
    assert marked_rows() == ["table-row03"]  # against row 1 only the push loads another symbol
    v.controls["baseline"].value = 1
    assert marked_rows() == ["table-row03"]
    v.controls["baseline"].value = 2
    assert marked_rows() == ["table-row02"]


def test_matrix_bundle(table_results):
    bundle = widgets.matrix_bundle(table_results[:2], widget=True)
    assert set(bundle) == {widgets.WIDGET_MIME, "text/html", "text/plain"}
    assert "glm-col" in bundle["text/html"]
