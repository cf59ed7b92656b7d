"""session length and calendar invites: sessions.duration_minutes (default 60) and sessions.ics_sequence

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("duration_minutes", sa.Integer(), nullable=False, server_default=sa.text("60")))
        batch.add_column(sa.Column("ics_sequence", sa.Integer(), nullable=False, server_default=sa.text("0")))
        batch.create_check_constraint("duration", "duration_minutes BETWEEN 15 AND 240")
        batch.create_check_constraint("ics_sequence", "ics_sequence >= 0")


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_constraint(op.f("ck_sessions_ics_sequence"), type_="check")
        batch.drop_constraint(op.f("ck_sessions_duration"), type_="check")
        batch.drop_column("ics_sequence")
        batch.drop_column("duration_minutes")
