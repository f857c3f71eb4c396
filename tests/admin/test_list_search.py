"""Every staff list that searches has a labelled search box saying what it searches, keeps the list's
filters and sort when searching, and a "Clear search" link with words (not an unlabelled icon)."""

from __future__ import annotations

import re

import pytest

from grants_app.models import Role

LISTS = [
    # PostgreSQL says "Reference, title or organisation"; SQLite "Start of a word in a reference, ..."
    (Role.OFFICER, "/admin/application/", "Search applications", "eference, title or organisation"),
    (Role.OFFICER, "/admin/meeting/", "Search meetings", "Title or place"),
    (Role.FINANCE, "/admin/payment/", "Search payments", "Bank reference or grant reference"),
    (Role.ADMIN, "/admin/users/", "Search users and roles", "Full name or email"),
]


@pytest.mark.parametrize(("role", "url", "label", "placeholder"), LISTS)
def test_the_search_box_is_labelled_and_says_what_it_searches(staff_client, role, url, label, placeholder):
    client, _ = staff_client(role)
    page = client.get(url).get_data(as_text=True)
    assert f'<label class="sr-only" for="list-search">{label}</label>' in page
    box = re.search(r'<input class="form-control" id="list-search"[^>]*>', page).group(0)
    assert placeholder in box
    assert page.count('name="search"') == 1  # Flask-Admin's unlabelled box is not there as well
    assert "Clear search" not in page


def test_a_search_keeps_the_sort_and_can_be_cleared(make, session, staff_client):
    make.submitted(title="Youth boxing sessions")
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    page = client.get("/admin/application/?search=boxing&sort=2&desc=1").get_data(as_text=True)
    assert 'value="boxing"' in page
    assert '<input type="hidden" name="sort" value="2">' in page
    assert '<input type="hidden" name="desc" value="1">' in page
    clear = re.search(r'<a class="[^"]*" href="([^"]+)">Clear search</a>', page).group(1)
    assert "search=" not in clear and "sort=2" in clear.replace("&amp;", "&")
    cleared = client.get(clear.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value=""' in re.search(r'<input class="form-control" id="list-search"[^>]*>', cleared).group(0)
