"""The application list's sort by state: one index on (state, id) in place of the state's own.

The list breaks ties on the sorted column by id, so paging is stable. With the state index alone
PostgreSQL read and sorted every application in the first state on the page (24 ms at 100,000 for
the descending sort); on (state, id) it reads the page's 20 rows from the index in either direction.
The new index also serves every query that asks for applications in a state, as the old one did.

Revision ID: 0010_state_sort
Revises: 0009_page_load_probe
"""

from alembic import op

revision = "0010_state_sort"
down_revision = "0009_page_load_probe"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_applications_state_id", "applications", ["state", "id"])
    op.drop_index("ix_applications_state", table_name="applications")


def downgrade():
    op.create_index("ix_applications_state", "applications", ["state"])
    op.drop_index("ix_applications_state_id", table_name="applications")
