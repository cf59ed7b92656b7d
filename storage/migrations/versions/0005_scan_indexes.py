"""indexes the nudge scan and the digest read from

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.drop_index("ix_sessions_pair_time")
        batch_op.create_index(
            "ix_sessions_pair_outcome", ["pair_id", "scheduled_at", "id", "state", "cancelled_by"], unique=False
        )
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.create_index(
            "ix_check_ins_unanswered",
            ["sent_at"],
            unique=False,
            sqlite_where=sa.text("answered_at IS NULL"),
            postgresql_where=sa.text("answered_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("check_ins") as batch_op:
        batch_op.drop_index("ix_check_ins_unanswered")
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.drop_index("ix_sessions_pair_outcome")
        batch_op.create_index("ix_sessions_pair_time", ["pair_id", "scheduled_at"], unique=False)
