"""The admin menu is rendered once per set of roles and screen: each person still sees only the
screens their roles open, with the screen they are on marked, whoever loaded a page first."""

from __future__ import annotations

import re

from grants_app.models import Role


def _menu(page: str) -> tuple[list[str], list[str]]:
    start = page.index("navbar-nav mr-auto")
    menu = page[start : page.index("navbar-text", start)] if "navbar-text" in page[start:] else page[start:]
    links = re.findall(r'href="(/admin/[^"]*)"', menu)
    active = [" ".join(m.split()) for m in re.findall(r'<li class="active[^"]*">\s*<a[^>]*>([^<]*)', menu)]
    return links, active


def test_each_role_sees_its_own_menu_whoever_came_first(session, staff_client):
    officer, _ = staff_client(Role.OFFICER)
    rag, _ = staff_client(Role.RAG_VIEWER)

    officer_links, _ = _menu(officer.get("/admin/application/").get_data(as_text=True))
    rag_links, _ = _menu(rag.get("/admin/application/").get_data(as_text=True))
    officer_again, _ = _menu(officer.get("/admin/application/").get_data(as_text=True))

    assert "/admin/audit/" in officer_links or "/admin/meeting/" in officer_links
    assert set(rag_links) < set(officer_links)  # the viewer's menu is not the officer's kept copy
    assert officer_again == officer_links
    for link in set(officer_links) - set(rag_links):
        assert rag.get(link).status_code in (302, 403)  # what is left out is what they cannot open


def test_the_screen_you_are_on_is_marked_on_every_screen(session, staff_client):
    officer, _ = staff_client(Role.OFFICER)
    for _ in range(2):  # rendered, then from the kept copy
        _, on_list = _menu(officer.get("/admin/application/").get_data(as_text=True))
        _, on_dashboard = _menu(officer.get("/admin/").get_data(as_text=True))
        assert on_list == ["Applications"]
        assert on_dashboard == ["Dashboard"]
