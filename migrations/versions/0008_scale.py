"""Scale: indexes for the application list's search (pg_trgm trigram GIN on PostgreSQL, NOCASE on
SQLite), for each of its sorts and filters, the dashboards' overdue returns and the paged history.

Revision ID: 0008_scale
Revises: 0004_money
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_scale"
down_revision = "0004_money"
branch_labels = None
depends_on = None

SEARCHED = (("applications", "reference"), ("applications", "title"), ("organisations", "name"))
PLAIN = (
    ("ix_applications_title_sort", "applications", ["title"]),
    ("ix_applications_amount_requested_pence", "applications", ["amount_requested_pence"]),
    ("ix_applications_submitted_at", "applications", ["submitted_at"]),
    ("ix_organisations_name_sort", "organisations", ["name"]),
    ("ix_application_wards_ward_id", "application_wards", ["ward_id"]),
    ("ix_monitoring_returns_state_due_on", "monitoring_returns", ["state", "due_on"]),
    ("ix_audit_events_entity_newest", "audit_events", ["entity_type", "entity_id", "id"]),
)


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in SEARCHED:
        if postgres:
            op.create_index(
                f"ix_{table}_{column}_trgm",
                table,
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
        elif op.get_bind().dialect.name == "sqlite":
            op.create_index(f"ix_{table}_{column}_nocase", table, [sa.text(f"{column} COLLATE NOCASE")])
    for name, table, columns in PLAIN:
        op.create_index(name, table, columns)


def downgrade():
    dialect = op.get_bind().dialect.name
    for name, table, _columns in reversed(PLAIN):
        op.drop_index(name, table_name=table)
    for table, column in SEARCHED:
        if dialect == "postgresql":
            op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
        elif dialect == "sqlite":
            op.drop_index(f"ix_{table}_{column}_nocase", table_name=table)
