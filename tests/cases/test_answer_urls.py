"""The case answer's file and paper URLs, made from one ``reverse`` per answer."""

from django.urls import reverse

from cases.serializers import _last_argument_url


def test_each_file_url_is_what_reverse_gives():
    url = _last_argument_url("cases:material-file", "20261207-00042", 1, "/")
    for file_id in (1, 7, 10, 123456):
        assert url(file_id) == reverse("cases:material-file", args=["20261207-00042", file_id])


def test_each_paper_url_is_what_reverse_gives():
    url = _last_argument_url("documents:document-download", "20261207-00042", "receipt", ".pdf")
    for kind in ("receipt", "decision", "delivery_receipt", "licence"):
        expected = reverse("documents:document-download", args=["20261207-00042", kind])
        assert url(kind) == expected


def test_a_url_that_does_not_end_with_its_argument_is_reversed_each_time():
    # The URL for the sample does not end with the sample and "/files/": no shortcut to take.
    url = _last_argument_url("cases:material-file", "20261207-00042", 1, "/files/")
    assert url(9) == reverse("cases:material-file", args=["20261207-00042", 9])
