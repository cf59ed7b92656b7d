"""self-reported org data: what people not in the org chart typed, kept apart from the chart's values

Until now joining overwrote the chart's department, level and manager with what the person typed. From here
the chart's values are only written by an import; what someone typed is kept in `self_*` columns. Existing
rows of people not in the chart move their typed values there (their manager stops being a chart manager).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("self_department", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("self_level", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("self_manager_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_people_self_manager_id_people"), "people", ["self_manager_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_check_constraint(
            batch.f("ck_people_not_own_self_manager"), "self_manager_id IS NULL OR self_manager_id <> id"
        )
        batch.create_index(batch.f("ix_people_self_manager_id"), ["self_manager_id"], unique=False)
    people = sa.table(
        "people",
        sa.column("in_org_chart", sa.Boolean()),
        sa.column("department", sa.String()),
        sa.column("level", sa.Integer()),
        sa.column("manager_id", sa.Integer()),
        sa.column("self_department", sa.String()),
        sa.column("self_level", sa.Integer()),
        sa.column("self_manager_id", sa.Integer()),
    )
    op.execute(
        people.update()
        .where(people.c.in_org_chart == sa.false())
        .values(
            self_department=people.c.department,
            self_level=people.c.level,
            self_manager_id=people.c.manager_id,
            manager_id=None,
        )
    )


def downgrade() -> None:
    people = sa.table(
        "people",
        sa.column("in_org_chart", sa.Boolean()),
        sa.column("manager_id", sa.Integer()),
        sa.column("self_manager_id", sa.Integer()),
    )
    op.execute(
        people.update()
        .where(people.c.in_org_chart == sa.false(), people.c.manager_id.is_(None))
        .values(manager_id=people.c.self_manager_id)
    )
    with op.batch_alter_table("people") as batch:
        batch.drop_index(batch.f("ix_people_self_manager_id"))
        batch.drop_constraint(batch.f("ck_people_not_own_self_manager"), type_="check")
        batch.drop_constraint(batch.f("fk_people_self_manager_id_people"), type_="foreignkey")
        batch.drop_column("self_manager_id")
        batch.drop_column("self_level")
        batch.drop_column("self_department")
