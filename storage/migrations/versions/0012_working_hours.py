"""working hours: each participant's stated hours and days, for suggesting session times

Slack does not expose working hours, so people state theirs in the join/profile modal (default
09:00-17:00 on weekdays, in their Slack time zone). `working_days` holds Python weekday digits (Monday = 0).

Revision ID: 0012
Revises: 0011
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(
            sa.Column("working_hours", sa.String(length=11), nullable=False, server_default="09:00-17:00")
        )
        batch.add_column(sa.Column("working_days", sa.String(length=7), nullable=False, server_default="01234"))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("working_days")
        batch.drop_column("working_hours")
