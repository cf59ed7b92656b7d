"""erasure and retention: how long sent messages' payloads keep their text (programmes.message_retention_days)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
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
