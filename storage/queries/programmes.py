"""Workspaces and their programme."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Programme, Workspace

DEFAULT_TOPICS = [
    "Digital and social media",
    "Data and AI tools",
    "Diversity and inclusion",
    "Lived experience",
    "Sustainability",
    "Strategy and policy",
    "Workplace culture",
]


def ensure_workspace(session: Session, team_id: str) -> Workspace:
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        workspace = Workspace(team_id=team_id)
        session.add(workspace)
        session.flush()
    return workspace


def current_programme(session: Session, team_id: str) -> Programme:
    """The team's programme, created with PRODUCT.md defaults on first use."""
    ensure_workspace(session, team_id)
    programme = session.scalars(
        select(Programme).where(Programme.team_id == team_id).order_by(Programme.id.desc()).limit(1)
    ).first()
    if programme is None:
        programme = Programme(team_id=team_id, topics=list(DEFAULT_TOPICS))
        session.add(programme)
        session.flush()
    return programme


def first_programme_schedule(session: Session) -> tuple[int, int, str]:
    """(digest weekday, hour, time zone) of the first programme, or Monday 09:00 UTC when there is none."""
    row = session.execute(
        select(Programme.digest_weekday, Programme.digest_hour, Programme.timezone).order_by(Programme.id).limit(1)
    ).first()
    return (row[0], row[1], row[2]) if row else (0, 9, "UTC")


def all_programmes(session: Session) -> list[Programme]:
    return list(session.scalars(select(Programme).order_by(Programme.id)))
