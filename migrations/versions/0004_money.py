"""Money: payment schedules (instalments), recoveries with write-offs, money received against a
recovery, the signatory's role on an accepted offer, and each fund's single-payment threshold.

Awards lose repayment_demanded_pence: what was asked back is now the sum of the grant's recoveries.

Revision ID: 0004_money
Revises: 0007_votes
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_money"
down_revision = "0007_votes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("funds") as batch_op:
        batch_op.add_column(
            sa.Column("single_payment_below_pence", sa.Integer(), server_default="100000", nullable=False)
        )
        batch_op.create_check_constraint(
            "single_payment_below_not_negative", "single_payment_below_pence >= 0"
        )

    with op.batch_alter_table("awards") as batch_op:
        batch_op.add_column(sa.Column("accepted_by_role", sa.String(length=200), server_default="", nullable=False))
        batch_op.drop_constraint(op.f("ck_awards_repayment_not_negative"), type_="check")
        batch_op.drop_column("repayment_demanded_pence")

    op.create_table(
        "instalments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column(
            "due_trigger",
            sa.Enum(
                "on_acceptance",
                "after_first_accepted_return",
                "on_date",
                name="instalment_trigger",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_instalments_amount_positive")),
        sa.CheckConstraint("position >= 1", name=op.f("ck_instalments_position_positive")),
        sa.CheckConstraint(
            "due_trigger <> 'on_date' OR due_on IS NOT NULL", name=op.f("ck_instalments_dated_needs_date")
        ),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_instalments_award_id_awards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instalments")),
        sa.UniqueConstraint("award_id", "position", name=op.f("uq_instalments_award_id_position")),
    )
    with op.batch_alter_table("instalments") as batch_op:
        batch_op.create_index(batch_op.f("ix_instalments_award_id"), ["award_id"], unique=False)

    with op.batch_alter_table("payments") as batch_op:
        batch_op.add_column(sa.Column("instalment_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_payments_instalment_id"), ["instalment_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_payments_instalment_id_instalments"), "instalments", ["instalment_id"], ["id"]
        )

    op.create_table(
        "recoveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("underspend", "misuse", name="recovery_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("raised_by_label", sa.String(length=300), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("written_off_pence", sa.Integer(), nullable=False),
        sa.Column("write_off_reason", sa.Text(), nullable=False),
        sa.Column("written_off_by_id", sa.Integer(), nullable=True),
        sa.Column("written_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_recoveries_amount_positive")),
        sa.CheckConstraint(
            "written_off_pence >= 0 AND written_off_pence <= amount_pence",
            name=op.f("ck_recoveries_written_off_range"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_recoveries_application_id_applications")
        ),
        sa.ForeignKeyConstraint(["raised_by_id"], ["users.id"], name=op.f("fk_recoveries_raised_by_id_users")),
        sa.ForeignKeyConstraint(
            ["written_off_by_id"], ["users.id"], name=op.f("fk_recoveries_written_off_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recoveries")),
    )
    with op.batch_alter_table("recoveries") as batch_op:
        batch_op.create_index(batch_op.f("ix_recoveries_application_id"), ["application_id"], unique=False)

    with op.batch_alter_table("repayments") as batch_op:
        batch_op.add_column(sa.Column("recovery_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_repayments_recovery_id"), ["recovery_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_repayments_recovery_id_recoveries"), "recoveries", ["recovery_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("repayments") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_repayments_recovery_id_recoveries"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_repayments_recovery_id"))
        batch_op.drop_column("recovery_id")

    with op.batch_alter_table("recoveries") as batch_op:
        batch_op.drop_index(batch_op.f("ix_recoveries_application_id"))
    op.drop_table("recoveries")

    with op.batch_alter_table("payments") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payments_instalment_id_instalments"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_payments_instalment_id"))
        batch_op.drop_column("instalment_id")

    with op.batch_alter_table("instalments") as batch_op:
        batch_op.drop_index(batch_op.f("ix_instalments_award_id"))
    op.drop_table("instalments")

    with op.batch_alter_table("awards") as batch_op:
        batch_op.add_column(
            sa.Column("repayment_demanded_pence", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint("repayment_not_negative", "repayment_demanded_pence >= 0")
        batch_op.drop_column("accepted_by_role")

    with op.batch_alter_table("funds") as batch_op:
        batch_op.drop_constraint(op.f("ck_funds_single_payment_below_not_negative"), type_="check")
        batch_op.drop_column("single_payment_below_pence")
