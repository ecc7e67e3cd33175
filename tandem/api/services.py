"""Writes of the API app: tokens, and diagnostic results in bulk."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tandem.access.scope import Scope
from tandem.accounts.models import User
from tandem.api.models import ApiToken, key_hash, new_key
from tandem.diagnostics import tallies
from tandem.diagnostics.imports import PERSON_NOT_FOUND
from tandem.diagnostics.models import Campaign
from tandem.diagnostics.selectors import campaign_responses
from tandem.diagnostics.services import (
    AnswerInput,
    DiagnosticsError,
    answers_save,
    check_published,
    response_submit,
)

PERSON_TWICE = _("Этот участник уже есть в запросе (элемент %(index)s).")
COMPETENCY_TWICE = _("Компетенция указана дважды: %(code)s.")


@transaction.atomic
def api_token_issue(*, user: User) -> str:
    """A new key for ``user``, replacing the old one. The key is returned only here."""
    key = new_key()
    ApiToken.objects.filter(user=user).delete()
    ApiToken.objects.create(user=user, digest=key_hash(key), hint=key[:12])
    return key


@transaction.atomic
def api_token_revoke(*, user: User) -> bool:
    """Drops the user's key; False if there was none."""
    deleted, _count = ApiToken.objects.filter(user=user).delete()
    return bool(deleted)


def api_token_touch(*, token: ApiToken, now: dt.datetime) -> None:
    """Notes when the key was last used (no trail: not a change anyone made)."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


@dataclass(frozen=True)
class ResultInput:
    participant_id: int
    answers: Sequence[tuple[str, AnswerInput]]
    submit: bool = False


@dataclass
class ResultRefused(Exception):
    """Item ``index`` of the request was refused; ``problems``: competency → message."""

    index: int
    message: str
    problems: dict[str, str] = field(default_factory=dict)
    not_found: bool = False


@transaction.atomic
def diagnostic_results_save(*, campaign: Campaign, scope: Scope,
                            results: Sequence[ResultInput]) -> tuple[int, int]:
    """Saves the answers of many participants of one campaign, all or none, through the
    questionnaire's own services (so the same checks apply as on the page), and submits
    those marked so. Returns (saved, submitted)."""
    responses = {r.participant_id: r for r in campaign_responses(campaign=campaign,
                                                                 scope=scope)}
    seen: dict[int, int] = {}
    for index, item in enumerate(results):
        if item.participant_id not in responses:
            # The same answer for someone else's participant and for one not in the
            # campaign: existence is not disclosed.
            raise ResultRefused(index, str(PERSON_NOT_FOUND), not_found=True)
        if item.participant_id in seen:
            raise ResultRefused(index, str(PERSON_TWICE) % {"index": seen[item.participant_id]})
        seen[item.participant_id] = index
        codes = [code for code, _answer in item.answers]
        for code in codes:
            if codes.count(code) > 1:
                raise ResultRefused(index, str(COMPETENCY_TWICE) % {"code": code})
    # Whether the campaign's baseline is frozen is one question for the whole batch:
    # asked once (the finals held until commit when anything is submitted), not per item.
    try:
        check_published(campaign, hold=any(item.submit for item in results))
    except DiagnosticsError as error:
        raise ResultRefused(0, str(error)) from None
    submitted = 0
    with tallies.together():  # the organizations' figures once, at the end
        for index, item in enumerate(results):
            response = responses[item.participant_id]
            try:
                answers_save(response=response, values=dict(item.answers), checked=True)
                if item.submit:
                    response_submit(response=response, checked=True)
                    submitted += 1
            except DiagnosticsError as error:
                raise ResultRefused(index, str(error), error.problems) from None
    return len(results), submitted
