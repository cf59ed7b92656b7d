"""cohorts, closing surveys, action follow-ups, mentor guides

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=32), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("audience IN ('everyone', 'mentors', 'mentees')", name=op.f("ck_cohorts_audience")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_cohorts_dates")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_cohorts_status")),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_cohorts_programme_id_programmes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], name=op.f("fk_cohorts_team_id_workspaces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
    )
    with op.batch_alter_table("cohorts") as batch_op:
        batch_op.create_index(batch_op.f("ix_cohorts_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cohorts_team_id"), ["team_id"], unique=False)
        batch_op.create_index(
            "uq_cohorts_one_open",
            ["programme_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("would_again", sa.String(length=8), nullable=True),
        sa.Column("what_changed", sa.Text(), nullable=True),
        sa.Column("self_rating_after", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "self_rating_after IS NULL OR self_rating_after BETWEEN 1 AND 5",
            name=op.f("ck_survey_responses_self_rating_after"),
        ),
        sa.CheckConstraint(
            "would_again IS NULL OR would_again IN ('yes', 'maybe', 'no')",
            name=op.f("ck_survey_responses_would_again"),
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_survey_responses_cohort_id_cohorts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_survey_responses_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["workspaces.team_id"], name=op.f("fk_survey_responses_team_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("cohort_id", "participant_id", name=op.f("uq_survey_responses_cohort_id")),
    )
    with op.batch_alter_table("survey_responses") as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_responses_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_responses_team_id"), ["team_id"], unique=False)

    op.create_table(
        "action_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "answer IS NULL OR answer IN ('done', 'in_progress', 'dropped')", name=op.f("ck_action_follow_ups_answer")
        ),
        sa.CheckConstraint("day IN (30, 60, 90)", name=op.f("ck_action_follow_ups_day")),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_ins.id"],
            name=op.f("fk_action_follow_ups_check_in_id_check_ins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["workspaces.team_id"], name=op.f("fk_action_follow_ups_team_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_follow_ups")),
        sa.UniqueConstraint("check_in_id", "day", name=op.f("uq_action_follow_ups_check_in_id")),
    )
    with op.batch_alter_table("action_follow_ups") as batch_op:
        batch_op.create_index(batch_op.f("ix_action_follow_ups_check_in_id"), ["check_in_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_follow_ups_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("programmes") as batch_op:
        batch_op.add_column(sa.Column("mentor_guides", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("mentors_channel", sa.String(length=32), nullable=True))
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(sa.Column("cohort_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("self_rating_join", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_participants_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_participants_cohort_id_cohorts"), "cohorts", ["cohort_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_check_constraint(
            "self_rating_join", "self_rating_join IS NULL OR self_rating_join BETWEEN 1 AND 5"
        )
    with op.batch_alter_table("pairs") as batch_op:
        batch_op.add_column(sa.Column("cohort_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_pairs_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_pairs_cohort_id_cohorts"), "cohorts", ["cohort_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("pairs") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_pairs_cohort_id_cohorts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_pairs_cohort_id"))
        batch_op.drop_column("cohort_id")
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_constraint("self_rating_join", type_="check")
        batch_op.drop_constraint(batch_op.f("fk_participants_cohort_id_cohorts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_participants_cohort_id"))
        batch_op.drop_column("self_rating_join")
        batch_op.drop_column("cohort_id")
    with op.batch_alter_table("programmes") as batch_op:
        batch_op.drop_column("mentors_channel")
        batch_op.drop_column("mentor_guides")
    op.drop_table("action_follow_ups")
    op.drop_table("survey_responses")
    op.drop_table("cohorts")
