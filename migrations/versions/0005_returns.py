"""Monitoring returns in the portal and the admin, and reminders: the period each return covers, receipts
and per-priority outcomes, the officer's questions, when returns are due (a fund setting) and a record of
the reminders sent (unique, so none goes twice).

Revision ID: 0005_returns
Revises: 0003_hardening
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_returns"
down_revision = "0003_hardening"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("funds") as batch_op:
        batch_op.add_column(sa.Column("return_due_days", sa.Integer(), server_default="30", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_funds_return_due_days_range"), "return_due_days >= 1 AND return_due_days <= 180"
        )

    with op.batch_alter_table("monitoring_returns") as batch_op:
        batch_op.add_column(sa.Column("period_starts_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("period_ends_on", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_monitoring_returns_period_in_order"),
            "period_starts_on IS NULL OR period_ends_on IS NULL OR period_ends_on >= period_starts_on",
        )

    with op.batch_alter_table("spend_lines") as batch_op:
        batch_op.add_column(sa.Column("receipt_document_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("client_token", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_spend_lines_receipt_document_id_documents"), "documents", ["receipt_document_id"], ["id"]
        )
        batch_op.create_unique_constraint(
            op.f("uq_spend_lines_monitoring_return_id_client_token"), ["monitoring_return_id", "client_token"]
        )

    op.create_table(
        "return_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monitoring_return_id", sa.Integer(), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.Column("people_reached", sa.Integer(), nullable=False),
        sa.Column("what_changed", sa.Text(), nullable=False),
        sa.CheckConstraint("people_reached >= 0", name=op.f("ck_return_outcomes_people_not_negative")),
        sa.ForeignKeyConstraint(
            ["monitoring_return_id"],
            ["monitoring_returns.id"],
            name=op.f("fk_return_outcomes_monitoring_return_id_monitoring_returns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["priority_id"], ["priorities.id"], name=op.f("fk_return_outcomes_priority_id_priorities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_outcomes")),
        sa.UniqueConstraint(
            "monitoring_return_id",
            "priority_id",
            name=op.f("uq_return_outcomes_monitoring_return_id_priority_id"),
        ),
    )
    with op.batch_alter_table("return_outcomes") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_return_outcomes_monitoring_return_id"), ["monitoring_return_id"], unique=False
        )

    op.create_table(
        "return_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monitoring_return_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_return_queries_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["users.id"], name=op.f("fk_return_queries_asked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["monitoring_return_id"],
            ["monitoring_returns.id"],
            name=op.f("fk_return_queries_monitoring_return_id_monitoring_returns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_queries")),
    )
    with op.batch_alter_table("return_queries") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_return_queries_monitoring_return_id"), ["monitoring_return_id"], unique=False
        )

    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "return_due_soon",
                "return_overdue",
                "digest_overdue_return",
                "digest_payment_waiting",
                name="reminder_kind",
                native_enum=False,
                create_constraint=True,
                length=22,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("about", sa.String(length=40), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("recipients >= 0", name=op.f("ck_reminders_sent_recipients_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint(
            "kind", "subject_id", "about", name=op.f("uq_reminders_sent_kind_subject_id_about")
        ),
    )


def downgrade():
    op.drop_table("reminders_sent")
    with op.batch_alter_table("return_queries") as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_queries_monitoring_return_id"))
    op.drop_table("return_queries")
    with op.batch_alter_table("return_outcomes") as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_outcomes_monitoring_return_id"))
    op.drop_table("return_outcomes")
    with op.batch_alter_table("spend_lines") as batch_op:
        batch_op.drop_constraint(op.f("uq_spend_lines_monitoring_return_id_client_token"), type_="unique")
        batch_op.drop_constraint(op.f("fk_spend_lines_receipt_document_id_documents"), type_="foreignkey")
        batch_op.drop_column("client_token")
        batch_op.drop_column("receipt_document_id")
    with op.batch_alter_table("monitoring_returns") as batch_op:
        batch_op.drop_constraint(op.f("ck_monitoring_returns_period_in_order"), type_="check")
        batch_op.drop_column("period_ends_on")
        batch_op.drop_column("period_starts_on")
    with op.batch_alter_table("funds") as batch_op:
        batch_op.drop_constraint(op.f("ck_funds_return_due_days_range"), type_="check")
        batch_op.drop_column("return_due_days")
