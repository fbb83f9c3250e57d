"""A paper's render leaves nothing for Python's cyclic collector (documents/pdf.py):
WeasyPrint's layout is collected at the end of the render that made it, not in whichever
request next crosses the collector's threshold (an acceptance, an approval: bench/README.md,
"Thirteenth pass")."""

import gc

import pytest

from documents.services import paper_pdf

from .test_pdf_user_agent import PAPERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def young_threshold():
    """The youngest generation's threshold for the test, as a web worker sets it (10,000:
    hall/heap.py) or higher; Python's own (700) is restored after."""
    threshold = gc.get_threshold()
    yield lambda young: gc.set_threshold(young, *threshold[1:])
    gc.set_threshold(*threshold)


@pytest.mark.parametrize("name", ["receipt", "decision"])
@pytest.mark.parametrize("young", [10_000, 1_000_000])
def test_a_rendered_paper_leaves_no_cyclic_garbage_behind(name, young, young_threshold):
    context = PAPERS[name]
    paper_pdf(context["kind"], context)  # what a first render loads stays loaded
    young_threshold(young)
    gc.collect()

    paper_pdf(context["kind"], context)

    # Left to the collector, the layout's boxes were ~1,500-2,500 unreachable objects.
    assert gc.collect() < 100
