"""Canonical URLs."""

from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from w3lib.url import canonicalize_url

from service.sources.services import CANONICAL_URL, canonical_url


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(CANONICAL_URL, fullmatch=True))
def test_a_url_in_canonical_form_is_left_as_it_is(url):
    assert canonicalize_url(urlunsplit(urlsplit(url))) == url


@pytest.mark.parametrize("url", ["http://A.0/x#top", "https://300.0/a", "http://0.0.0.0.0/", "http://0/"])
def test_a_host_ending_in_a_number_is_canonical_once(url):
    """w3lib reads such a host as an IPv4 address, and refuses one that is none."""
    canonical = canonical_url(url)
    assert canonical == canonical_url(canonical) and "#" not in canonical and canonical.islower()


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://example.com", "https://example.com/"),
        ("https://Example.com/a#top", "https://example.com/a"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/a?utm_source=x&b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/a/", "https://example.com/a/"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical
