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
    """The team's programme, created with the defaults in docs/programme.md on first use."""
    ensure_workspace(session, team_id)
    programme = session.scalars(
        select(Programme).where(Programme.team_id == team_id).order_by(Programme.id.desc()).limit(1)
    ).first()
    if programme is None:
        programme = Programme(team_id=team_id, topics=list(DEFAULT_TOPICS))
        session.add(programme)
        session.flush()
    return programme


def all_programmes(session: Session) -> list[Programme]:
    return list(session.scalars(select(Programme).order_by(Programme.id)))
