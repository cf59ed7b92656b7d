"""outbox senders: heartbeat rows, claims that name their sender, retries kept apart from the due time

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "senders",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_senders")),
    )
    op.create_index(op.f("ix_senders_heartbeat_at"), "senders", ["heartbeat_at"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sender_id", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("in_doubt_since", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_outbox_sending", "outbox", ["status", "sender_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_sending", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("in_doubt_since")
        batch.drop_column("sender_id")
        batch.drop_column("next_attempt_at")
    op.drop_index(op.f("ix_senders_heartbeat_at"), table_name="senders")
    op.drop_table("senders")
