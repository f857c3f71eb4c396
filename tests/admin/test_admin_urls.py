"""The list's own links are written without url_for: they must be the links url_for would write."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from grants_app.admin.urls import query_string
from grants_app.models import Role

ODD_VALUES = [
    {"search": "Youth & <b>café</b> 100% +1 a/b:c?d@e", "page": 2, "sort": 1, "desc": 1, "page_size": 20},
    {"search": "\u200b\u202eright-to-left 🙂", "page": None, "sort": None, "desc": None},
    {"flt0_state_equals": "submitted", "flt1_amount_requested_pence_at_least": "1,000.50", "page_size": 50},
    {},
]


@pytest.mark.parametrize("args", ODD_VALUES)
def test_list_links_are_written_as_url_for_writes_them(app, args):
    with app.test_request_context("/admin/application/"):
        expected = url_for("application.index_view", **args)
        path = url_for("application.index_view")
        written = query_string(args)
        assert (f"{path}?{written}" if written else path) == expected


def test_sort_and_pager_links_keep_the_search_and_filters(make, session, staff_client):
    for n in range(25):
        make.application(title=f"Lighting {n}")
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    page = client.get("/admin/application/?search=Lighting&sort=2&page_size=20").get_data(as_text=True)
    links = set(re.findall(r'href="(/admin/application/\?[^"]*)"', page))
    assert "/admin/application/?sort=2&amp;desc=1&amp;search=Lighting&amp;page_size=20" in links  # sort flip
    assert "/admin/application/?page=1&amp;sort=2&amp;search=Lighting&amp;page_size=20" in links  # next page
    second = client.get("/admin/application/?page=1&sort=2&search=Lighting&page_size=20").get_data(
        as_text=True
    )
    assert len(re.findall(r">(SOS-[\d-]+)</a>", second)) == 5
    # Asset links are the app's own files, and they answer.
    for asset in re.findall(r'src="(/admin/static/[^"]+)"', page)[:3]:
        assert client.get(asset.replace("&amp;", "&")).status_code == 200
