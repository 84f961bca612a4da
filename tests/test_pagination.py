"""Cursors: a forged one is a bad request on every list, never a server error."""

import base64

import pytest

FORGED = ["1e308", "-1e308", "9223372036854775808", "-9223372036854775809", "NaN", "Infinity", "-Infinity"]
# Every list, with as many sort keys as its cursors carry.
LISTS = {
    "/v1/quotes": 1,
    "/v1/quotes?sort=said_on": 2,
    "/v1/quotes?q=meeting": 3,
    "/v1/speakers": 1,
    "/v1/speakers?q=Peskov": 2,
    "/v1/sources": 1,
    "/v1/quotes/{quote}/history": 1,
    "/v1/speakers/{speaker}/history": 1,
    "/v1/sources/{source}/history": 1,
}


def forged(value: str, keys: int) -> str:
    """A cursor token of `keys` copies of the JSON number `value`, as `next` links encode them."""
    return base64.urlsafe_b64encode(f"[{', '.join([value] * keys)}]".encode()).decode().rstrip("=")


@pytest.fixture(scope="module")
def ids(engine):
    """An id of each kind of record in the example data."""
    with engine.connect() as connection:
        return {
            name: connection.exec_driver_sql(f"SELECT min(id) FROM {name}s").scalar()
            for name in ("quote", "speaker", "source")
        }


@pytest.mark.parametrize("value", FORGED)
@pytest.mark.parametrize("path", LISTS)
def test_a_forged_cursor_is_400(client, ids, path, value):
    separator = "&" if "?" in path else "?"
    url = path.format(**ids) + f"{separator}cursor={forged(value, LISTS[path])}"
    response = client.get(url)
    assert response.status_code == 400, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert "cursor" in response.get_json()["errors"]


@pytest.mark.parametrize("path", LISTS)
def test_a_cursor_of_a_next_link_still_leads_to_the_next_page(client, ids, path):
    separator = "&" if "?" in path else "?"
    first = client.get(path.format(**ids) + f"{separator}limit=1")
    assert first.status_code == 200
    if first.get_json()["next"]:
        assert client.get(first.get_json()["next"]).status_code == 200


@pytest.mark.parametrize("values", ["2147483648, 1", "1.5", "1, 1.5"])
def test_a_key_its_column_cannot_hold_is_400(client, values):
    """A day number beyond an integer, a fractional id."""
    sort = "&sort=said_on" if "," in values else ""
    cursor = base64.urlsafe_b64encode(f"[{values}]".encode()).decode().rstrip("=")
    response = client.get(f"/v1/quotes?cursor={cursor}{sort}")
    assert response.status_code == 400, response.get_json()
