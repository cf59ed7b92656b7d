"""indexes the digest counts from: a team's sessions by state and time, its answers by time and by kind

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ACTION_RECORDED = "action IS NOT NULL AND trim(action) <> ''"


def upgrade() -> None:
    op.create_index(
        "ix_sessions_team_outcome", "sessions", ["team_id", "state", "scheduled_at", "cancelled_by", "pair_id"]
    )
    op.create_index(
        "ix_check_ins_team_answered",
        "check_ins",
        ["team_id", "answered_at"],
        sqlite_where=sa.text("answered_at IS NOT NULL"),
        postgresql_where=sa.text("answered_at IS NOT NULL"),
    )
    op.create_index(
        "ix_check_ins_team_answer_kinds", "check_ins", ["team_id", "side", "two_way", "rating", "answered_at"]
    )
    op.create_index(
        "ix_check_ins_team_actions",
        "check_ins",
        ["team_id", "side", "answered_at"],
        sqlite_where=sa.text(ACTION_RECORDED),
        postgresql_where=sa.text(ACTION_RECORDED),
    )


def downgrade() -> None:
    op.drop_index("ix_check_ins_team_actions", table_name="check_ins")
    op.drop_index("ix_check_ins_team_answer_kinds", table_name="check_ins")
    op.drop_index("ix_check_ins_team_answered", table_name="check_ins")
    op.drop_index("ix_sessions_team_outcome", table_name="sessions")
