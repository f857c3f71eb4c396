"""The dashboard's budget bars are explained in words and patterns, never by colour alone."""

from __future__ import annotations


def test_the_budget_bar_has_a_key_in_words_and_patterns_not_colour_alone(make, session, officer_client):
    make.approved()
    session.commit()
    client, _officer = officer_client
    page = client.get("/admin/").get_data(as_text=True)
    assert "Blue: committed" not in page
    key = page.split('class="budget-legend')[1].split("</ul>")[0]
    assert (
        "Solid: paid" in key
        and "Striped: committed, not yet paid" in key
        and "Plain: not yet committed" in key
    )
