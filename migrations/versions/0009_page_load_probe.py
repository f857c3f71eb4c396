"""The page-load probe's index: grants awaiting delivery by project start date.

Every page load asks whether any grant whose offer is accepted has reached its start date
(grants_app/due_on_page_load.py). On the state index alone PostgreSQL answered that EXISTS by walking
the whole table when there was none (17 ms at 100,000 applications, on every request); on (state,
start_date) it is one index probe.

Revision ID: 0009_page_load_probe
Revises: 0008_scale
"""

from alembic import op

revision = "0009_page_load_probe"
down_revision = "0008_scale"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_applications_state_start_date", "applications", ["state", "start_date"])


def downgrade():
    op.drop_index("ix_applications_state_start_date", table_name="applications")
