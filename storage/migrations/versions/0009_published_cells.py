"""published cells: the digest's weekly counts, computed once when a week closes and never revised

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cell", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_published_cells_programme_id_programmes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], name=op.f("fk_published_cells_team_id_workspaces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_cells")),
        sa.UniqueConstraint("programme_id", "week_start", "cell", name=op.f("uq_published_cells_programme_id")),
    )
    op.create_index(op.f("ix_published_cells_team_id"), "published_cells", ["team_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_published_cells_team_id"), table_name="published_cells")
    op.drop_table("published_cells")
