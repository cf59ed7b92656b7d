"""handlers/forms.py: view.state.values as Slack sends them -> typed values, and empty values for anything missing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from handlers import forms


def _view(values: dict[str, dict[str, Any]], metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """A submitted view whose blocks each hold one element, under the element's action id."""
    state = {block: {"value" if block != "org_file" else "file": element} for block, element in values.items()}
    return {"state": {"values": state}, "private_metadata": json.dumps(metadata) if metadata else ""}


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value}, "value": value}


def test_a_join_form_reads_every_kind_of_element() -> None:
    form = forms.join_form(
        _view(
            {
                "role": {"type": "radio_buttons", "selected_option": _option("mentor")},
                "department": {"type": "plain_text_input", "value": "Finance"},
                "level": {"type": "plain_text_input", "value": " 3 "},
                "manager": {"type": "users_select", "selected_user": "U0BOSS"},
                "topics_offered": {"type": "checkboxes", "selected_options": [_option("A"), _option("B")]},
                "format": {"type": "static_select", "selected_option": _option("video")},
                "cadence": {"type": "static_select", "selected_option": _option("14")},
                "consent": {"type": "checkboxes", "selected_options": [_option("yes")]},
                "self_rating": {"type": "radio_buttons", "selected_option": None},
            }
        )
    )
    assert (form.role, form.department, form.level, form.level_raw) == ("mentor", "Finance", 3, "3")
    assert (form.manager_user_id, form.topics_offered, form.topics_wanted) == ("U0BOSS", ("A", "B"), ())
    assert (form.format, form.cadence_days, form.consent, form.self_rating) == ("video", 14, True, None)


def test_an_empty_submission_reads_as_empty_values_for_validation_to_refuse() -> None:
    form = forms.join_form({})
    assert (form.role, form.level, form.department, form.consent, form.cadence_days) == (None, None, "", False, 21)
    assert forms.check_in_details({}) == forms.CheckInDetails(None, "", None)
    assert forms.uploaded_file({}) is None
    assert forms.open_cohort_form({}) == forms.OpenCohortForm("", None, None, "")


def test_dates_and_times_are_utc_and_the_pair_falls_back_to_the_one_the_modal_was_opened_for() -> None:
    cohort = forms.open_cohort_form(_view({"starts": {"type": "datepicker", "selected_date": "2026-03-02"}}))
    assert cohort.starts == datetime(2026, 3, 2, tzinfo=UTC)
    session = forms.session_form(
        _view({"when": {"type": "datetimepicker", "selected_date_time": 1772445600}}, metadata={"pair": 7})
    )
    assert session == forms.SessionForm(7, datetime(2026, 3, 2, 10, 0, tzinfo=UTC), False)


def test_settings_are_read_raw_by_element_kind() -> None:
    raw = forms.settings_form(
        _view(
            {
                "admin_user_ids": {"type": "multi_users_select", "selected_users": ["U1", 7]},
                "digest_channel": {"type": "conversations_select", "selected_conversation": "C1"},
                "digest_weekday": {"type": "static_select", "selected_option": _option("0")},
                "cadence_days": {"type": "number_input", "value": "21"},
            }
        )
    )
    assert raw == {"admin_user_ids": ["U1"], "digest_channel": "C1", "digest_weekday": "0", "cadence_days": "21"}


def test_the_uploaded_file_and_the_survey_answers() -> None:
    upload = forms.uploaded_file(_view({"org_file": {"type": "file_input", "files": [{"id": "F1", "name": "a.csv"}]}}))
    assert upload == {"id": "F1", "name": "a.csv"}
    cohort_id, answers = forms.survey_form(
        _view({"self_rating": {"type": "radio_buttons", "selected_option": _option("4")}}, metadata={"cohort": 3})
    )
    assert (cohort_id, answers.self_rating_after, answers.would_again, answers.what_changed) == (3, 4, None, "")
