"""erasure and retention: how long sent messages' payloads keep their text (programmes.message_retention_days)

Revision ID: 0008_erasure_retention
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_erasure_retention"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        batch.add_column(
            sa.Column("message_retention_days", sa.Integer(), nullable=False, server_default=sa.text("90"))
        )
        batch.create_check_constraint(
            "message_retention", "message_retention_days BETWEEN 1 AND 3650"
        )


def downgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        batch.drop_constraint(op.f("ck_programmes_message_retention"), type_="check")
        batch.drop_column("message_retention_days")
