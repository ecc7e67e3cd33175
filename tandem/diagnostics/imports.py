"""Import of diagnostic results made elsewhere: a matrix of people × competency codes.

Columns (header names are matched without regard to case): «email» (or «e-mail»), else
«фамилия», «имя», «отчество» or one «фио»; then one column per competency code with a
level 0–3; optional «могу научить» and «хочу научиться» with codes separated by commas.
The file is checked as a whole; the commit saves all rows or none.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.access.scope import Scope
from tandem.accounts.models import User
from tandem.core import diagnostics as core
from tandem.core.text import normalize_name
from tandem.diagnostics import tallies
from tandem.diagnostics.models import (
    Answer,
    Campaign,
    Response,
    ResultImport,
)
from tandem.diagnostics.services import baseline_frozen
from tandem.people.models import Participant, organizations_now
from tandem.web import tabular

# People × competencies: a regional file is thousands of rows, a few dozen columns.
MAX_ROWS = tabular.MAX_ROWS
NO_PERSON_COLUMNS = gettext_lazy(
    "Нет столбца «email» или столбцов «фамилия» и «имя» (или «фио»): не понять, чьи это "
    "результаты.")
UNKNOWN_CODE_COLUMN = gettext_lazy(
    "Столбец «%(column)s»: такой компетенции нет в рамке этой диагностики.")
NO_COMPETENCY_COLUMNS = gettext_lazy("В файле нет ни одного столбца с кодом компетенции.")
NO_ROWS = gettext_lazy("В файле нет ни одной строки с результатами.")
CAMPAIGN_CLOSED = gettext_lazy("Диагностика завершена: результаты в неё больше не загружаются.")
# About a row, said in the kit's shape: «Строка 5, «ict.ai_lessons»: …».
PERSON_NOT_FOUND = gettext_lazy("участник не найден среди участников этой диагностики.")
PERSON_AMBIGUOUS = gettext_lazy("в диагностике несколько человек с таким ФИО: укажите e-mail.")
PERSON_TWICE = gettext_lazy("этот человек уже встречался в строке %(row)s.")
BAD_LEVEL = gettext_lazy("уровень «%(value)s» — нужно число от 0 до 3.")
BAD_CODE_IN_LIST = gettext_lazy("неизвестный код «%(value)s».")
ALREADY_SUBMITTED = gettext_lazy(
    "анкета уже отправлена в системе; откройте её заново, чтобы заменить результаты.")
REFUSED = gettext_lazy("Ничего не загружено: в файле есть ошибки (%(n)s). Исправьте и "
                       "загрузите снова.")

CODE_LIKE = re.compile(r"^[a-z]+\.[a-z0-9_]+$")
CAN = "могу научить"
WANT = "хочу научиться"


class ImportRefused(Exception):
    pass


@dataclass
class PreviewRow:
    number: int
    who: str
    response_id: int | None = None
    levels: dict[str, int] = field(default_factory=dict)
    can_teach: set[str] = field(default_factory=set)
    wants: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    rows: list[PreviewRow]
    errors: list[str]  # about the file as a whole
    codes: list[str]
    encoding: str | None

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(1 for r in self.rows if r.errors)

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and bool(self.rows)


def upload_store(*, campaign: Campaign, user: User, filename: str,
                 content: bytes) -> ResultImport:
    return ResultImport.objects.create(campaign=campaign, uploaded_by=user,
                                       filename=filename[:255], content=content)


def preview(*, upload: ResultImport, scope: Scope) -> Preview:
    campaign = upload.campaign
    try:
        table = tabular.read_upload(bytes(upload.content), upload.filename, max_rows=MAX_ROWS)
    except tabular.TableRefused as refused:
        return Preview([], [str(refused)], [], None)
    header = {tabular.header_key(h): h for h in table.header}
    framework_codes = set(campaign.framework.codes())
    file_errors: list[str] = []
    codes = []
    for h in table.header:
        if CODE_LIKE.match(h.strip().lower()):
            if h.strip().lower() in framework_codes:
                codes.append(h)
            else:
                file_errors.append(str(UNKNOWN_CODE_COLUMN) % {"column": h})
    email_col = header.get("email") or header.get("e-mail")
    fio_col = header.get("фио")
    name_cols = [header.get("фамилия"), header.get("имя"), header.get("отчество")]
    if not email_col and not fio_col and not (name_cols[0] and name_cols[1]):
        file_errors.append(str(NO_PERSON_COLUMNS))
    if not codes and not file_errors:
        file_errors.append(str(NO_COMPETENCY_COLUMNS))
    if not table.rows and not file_errors:
        file_errors.append(str(NO_ROWS))
    if file_errors:
        return Preview([], file_errors, codes, table.encoding)

    responses = list(Response.objects.filter(
        campaign=campaign, participant__in=scope.manageable_participants())
        .select_related("participant"))
    by_email = {r.participant.email.lower(): r for r in responses}
    by_name: dict[str, list[Response]] = {}
    for r in responses:
        p = r.participant
        by_name.setdefault(normalize_name(p.surname, p.name, p.patronymic), []).append(r)
    seen: dict[int, int] = {}
    rows = []
    for row in table.rows:
        v = row.values
        if fio_col:
            who = v.get(fio_col) or ""
        else:
            who = " ".join(v.get(c, "") for c in name_cols if c)
        email = (v.get(email_col) or "").strip().lower() if email_col else ""
        item = PreviewRow(number=row.number, who=email or who.strip())
        response = by_email.get(email) if email else None
        if response is None and not email:
            matches = by_name.get(normalize_name(who), [])
            if len(matches) > 1:
                item.errors.append(tabular.row_problem(row.number, PERSON_AMBIGUOUS))
            response = matches[0] if len(matches) == 1 else None
        if response is None and not item.errors:
            item.errors.append(tabular.row_problem(row.number, PERSON_NOT_FOUND))
        if response is not None:
            item.who = response.participant.full_name
            item.response_id = response.pk
            if response.pk in seen:
                item.errors.append(tabular.row_problem(
                    row.number, str(PERSON_TWICE) % {"row": seen[response.pk]}))
            seen.setdefault(response.pk, row.number)
            if response.locked:
                item.errors.append(tabular.row_problem(row.number, ALREADY_SUBMITTED))
        for column in codes:
            raw = v.get(column, "").strip()
            if raw == "":
                continue
            if raw.isdigit() and int(raw) in core.LEVELS:
                item.levels[column.strip().lower()] = int(raw)
            else:
                item.errors.append(tabular.cell_problem(
                    row.number, column, str(BAD_LEVEL) % {"value": raw}))
        for title, target in ((CAN, item.can_teach), (WANT, item.wants)):
            list_column = header.get(title)
            if not list_column:
                continue
            for code in re.split(r"[,;\s]+", v.get(list_column, "").lower()):
                if not code:
                    continue
                if code in framework_codes:
                    target.add(code)
                else:
                    item.errors.append(tabular.cell_problem(
                        row.number, list_column, str(BAD_CODE_IN_LIST) % {"value": code}))
        rows.append(item)
    return Preview(rows, [], [c.strip().lower() for c in codes], table.encoding)


@transaction.atomic
def commit(*, upload: ResultImport, scope: Scope) -> int:
    """Saves every row as a submitted questionnaire, or nothing if any row is wrong. The
    campaign is read ``FOR SHARE`` and must be open, and the questionnaires' rows are
    locked in id order before their answers are replaced — as a teacher's save locks its
    questionnaire before its answers, so the two take turns instead of deadlocking, and a
    closing that committed first is seen (review finding)."""
    if tallies.hold_campaign(upload.campaign_id) == Campaign.Status.CLOSED:
        raise ImportRefused(str(CAMPAIGN_CLOSED))
    frozen = baseline_frozen(upload.campaign)
    if frozen:  # the baseline of a closed final round: its figures are published
        raise ImportRefused(frozen)
    result = preview(upload=upload, scope=scope)
    if not result.ok:
        raise ImportRefused(str(REFUSED) % {"n": max(1, result.error_count)})
    now = timezone.now()
    rows = [r for r in result.rows if r.response_id is not None]
    ids = [r.response_id for r in rows if r.response_id is not None]
    # Their people's rows first, shared, as a move takes them (then their questionnaires):
    # a move waits for the import, or the import reads the new organization below.
    organizations_now(Response.objects.filter(pk__in=ids).values_list(
        "participant_id", flat=True), using="default")
    list(Response.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
         .values_list("pk", flat=True))
    Answer.objects.filter(response_id__in=ids).delete()
    answers = []
    for row in rows:
        codes = set(row.levels) | row.can_teach | row.wants
        for code in sorted(codes):
            answer = Answer(response_id=row.response_id, competency=code,  # type: ignore[misc]
                            self_level=row.levels.get(code), can_teach=code in row.can_teach,
                            wants_to_learn=code in row.wants)
            answer.recompute()
            answers.append(answer)
    Answer.objects.bulk_create(answers, batch_size=2000)
    # The organizations the questionnaires counted in before (a reopened one's), then
    # each one's cell: its person's organization now, as it is submitted.
    before = set(Response.objects.filter(pk__in=ids).values_list("organization_id", flat=True))
    of_person = Subquery(Participant.objects.filter(pk=OuterRef("participant_id"))
                         .values("organization_id")[:1])
    for row in rows:
        Response.objects.filter(pk=row.response_id).update(  # type: ignore[misc]
            status=Response.Status.SUBMITTED, submitted_at=now, answered=len(row.levels),
            organization_id=of_person)
    tallies.touch_responses(ids, now=True, also=before)
    upload.committed_at = now
    upload.content = b""
    upload.save(update_fields=["committed_at", "content"])
    return len(result.rows)


def describe(preview_result: Preview) -> str:
    return _("Строк: %(n)s, с ошибками: %(e)s") % {
        "n": len(preview_result.rows), "e": preview_result.error_count}
