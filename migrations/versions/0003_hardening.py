"""Hardening: emails claimed by one sender with backoff, and sessions that end everywhere.

Revision ID: 0003_hardening
Revises: 0006_people
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0003_hardening"
down_revision = "0006_people"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_emails") as batch_op:
        batch_op.add_column(
            sa.Column(
                "next_attempt_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("(CURRENT_TIMESTAMP)"),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("gave_up_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_emails_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_emails_gave_up_at"), ["gave_up_at"], unique=False)
    # The old sender gave up after five attempts within seconds. Those of the last week get the new
    # schedule (retried over hours); older ones are shown to the officer as given up, to send again.
    cutoff = datetime.now(UTC) - timedelta(days=7)
    op.get_bind().execute(
        sa.text(
            "UPDATE outbox_emails SET gave_up_at = CURRENT_TIMESTAMP "
            "WHERE sent_at IS NULL AND attempts >= 5 AND created_at < :cutoff"
        ).bindparams(sa.bindparam("cutoff", type_=sa.DateTime(timezone=True))),
        {"cutoff": cutoff},
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_generation")
    with op.batch_alter_table("outbox_emails") as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_emails_gave_up_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_emails_next_attempt_at"))
        batch_op.drop_column("gave_up_at")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("next_attempt_at")
