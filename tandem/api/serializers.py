"""What the API returns, and the shape of what it accepts.

Reads serialize models. Writes of participants and resources are checked by the same
Django forms as the pages (see views.py); the input serializers here only describe those
bodies for the schema, and check the structure of the bulk results body.
"""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tandem.diagnostics.models import Answer, Campaign, FrameworkVersion, Response
from tandem.maps.models import Map, Row
from tandem.maps.selectors import progress
from tandem.pairs.models import Pair
from tandem.people.models import AgeBand, Participant
from tandem.resources.forms import owner_choice
from tandem.resources.models import Format, Kind, Level, Resource
from tandem.territory.models import Municipality, Organization, Region


# -- territory -----------------------------------------------------------------------
class RegionSerializer(serializers.ModelSerializer[Region]):
    class Meta:
        model = Region
        fields = ["id", "name", "code"]


class MunicipalitySerializer(serializers.ModelSerializer[Municipality]):
    class Meta:
        model = Municipality
        fields = ["id", "region", "name", "code", "kind"]


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    region = serializers.IntegerField(source="municipality.region_id", read_only=True)
    participant_count = serializers.IntegerField(read_only=True,
                                                 help_text="активные участники")
    consent_count = serializers.IntegerField(read_only=True,
                                             help_text="активные участники с обоими согласиями")

    class Meta:
        model = Organization
        fields = ["id", "region", "municipality", "name", "short_name", "code", "sector",
                  "is_active", "participant_count", "consent_count"]


# -- participants --------------------------------------------------------------------
class ParticipantSerializer(serializers.ModelSerializer[Participant]):
    full_name = serializers.CharField(read_only=True)
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = ["id", "organization", "surname", "name", "patronymic", "full_name",
                  "position", "subject", "building", "experience_years", "age_band", "email",
                  "phone", "mentoring_consent_date", "personal_data_consent_date", "line_manager",
                  "is_active", "deactivated_at", "deactivation_reason", "has_account",
                  "created_at", "updated_at", "version"]

    def get_has_account(self, obj: Participant) -> bool:
        return obj.user_id is not None


class ParticipantInputSerializer(serializers.Serializer[Any]):
    """The body of create (all required fields) and update (PATCH: any of them)."""

    organization = serializers.IntegerField()
    surname = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=100)
    patronymic = serializers.CharField(max_length=100, required=False, allow_blank=True)
    position = serializers.CharField(max_length=200)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    building = serializers.CharField(
        max_length=200, required=False, allow_blank=True,
        help_text="Здание (корпус, площадка), если у организации их несколько; пусто — основное.")
    experience_years = serializers.IntegerField(min_value=0, max_value=60)
    age_band = serializers.ChoiceField(choices=AgeBand.choices)
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    mentoring_consent_date = serializers.DateField(required=False, allow_null=True)
    personal_data_consent_date = serializers.DateField(required=False, allow_null=True)
    line_manager = serializers.IntegerField(required=False, allow_null=True)
    version = serializers.IntegerField(
        required=False, help_text="Версия, с которой сделана правка (из ответа GET): если "
        "запись с тех пор изменили, ответ 409 и ничего не сохраняется.")


class DeactivateInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300)


# -- diagnostics ---------------------------------------------------------------------
class FrameworkCompetencySerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    region = serializers.IntegerField(required=False, help_text="у компетенции региона — его "
                                      "id / a region's own competency: its id")
    name = serializers.CharField()
    description = serializers.CharField()
    descriptors = serializers.ListField(child=serializers.CharField(),
                                        help_text="уровни 0–3 / levels 0–3")
    typical_direction = serializers.CharField()


class FrameworkAreaSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    competencies = FrameworkCompetencySerializer(many=True)


class FrameworkSerializer(serializers.ModelSerializer[FrameworkVersion]):
    areas = FrameworkAreaSerializer(many=True, read_only=True)

    class Meta:
        model = FrameworkVersion
        fields = ["number", "note", "created_at", "region", "areas"]


class CampaignSerializer(serializers.ModelSerializer[Campaign]):
    framework = serializers.IntegerField(source="framework.number", read_only=True,
                                         help_text="номер версии рамки")

    class Meta:
        model = Campaign
        fields = ["id", "title", "kind", "status", "region", "municipality", "organization",
                  "framework", "starts_on", "ends_on", "with_expert", "baseline", "created_at"]


class AnswerSerializer(serializers.ModelSerializer[Answer]):
    class Meta:
        model = Answer
        fields = ["competency", "self_level", "expert_level", "level", "can_teach",
                  "wants_to_learn", "priority"]


class ResultSerializer(serializers.ModelSerializer[Response]):
    """One participant's questionnaire in a campaign."""

    participant_name = serializers.CharField(source="participant.full_name", read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Response
        fields = ["id", "participant", "participant_name", "status", "answered",
                  "submitted_at", "updated_at", "answers"]


class AnswerInputSerializer(serializers.Serializer[Any]):
    competency = serializers.CharField(max_length=40)
    level = serializers.IntegerField(allow_null=True, help_text="самооценка 0–3")
    can_teach = serializers.BooleanField(default=False)
    wants_to_learn = serializers.BooleanField(default=False)
    priority = serializers.IntegerField(required=False, allow_null=True, default=None)


class ResultInputSerializer(serializers.Serializer[Any]):
    participant = serializers.IntegerField()
    answers = AnswerInputSerializer(many=True)
    submit = serializers.BooleanField(
        default=False, help_text="отправить анкету (проверяется полнота) / lock it")


class ResultsInputSerializer(serializers.Serializer[Any]):
    results = ResultInputSerializer(many=True, allow_empty=False, max_length=5000)


class ResultsSavedSerializer(serializers.Serializer[Any]):
    saved = serializers.IntegerField()
    submitted = serializers.IntegerField()


# -- pairs and maps ------------------------------------------------------------------
class PersonSerializer(serializers.ModelSerializer[Participant]):
    organization_name = serializers.CharField(source="organization.short_name",
                                              read_only=True)

    class Meta:
        model = Participant
        fields = ["id", "full_name", "position", "organization", "organization_name"]


class LessonSerializer(serializers.Serializer[Any]):
    """Why the pair: what one teaches the other (from the matching engine)."""

    competency = serializers.CharField()
    teacher_level = serializers.IntegerField()
    learner_level = serializers.IntegerField()
    priority = serializers.IntegerField(allow_null=True, required=False)
    wants_to_learn = serializers.BooleanField(required=False)
    points = serializers.IntegerField(required=False)


class DirectionFiguresSerializer(serializers.Serializer[Any]):
    rows_done = serializers.IntegerField()
    rows_total = serializers.IntegerField()
    rows_overdue = serializers.IntegerField()


class EffectivenessSerializer(serializers.Serializer[Any]):
    """Today's figures of the pair, with the dashboard's meanings: a meeting is held when
    its record is not marked planned and its date has come; «planned» is what the pair
    owed over its term so far (docs/effectiveness.md, «Встречи»)."""

    a_to_b = DirectionFiguresSerializer()
    b_to_a = DirectionFiguresSerializer()
    meetings_held = serializers.IntegerField()
    meetings_planned = serializers.IntegerField()


class PairSerializer(serializers.ModelSerializer[Pair]):
    a = PersonSerializer(read_only=True)
    b = PersonSerializer(read_only=True)
    a_teaches_b = LessonSerializer(many=True, read_only=True)
    b_teaches_a = LessonSerializer(many=True, read_only=True)
    effectiveness = serializers.SerializerMethodField()

    class Meta:
        model = Pair
        fields = ["id", "organization", "a", "b", "form", "status", "starts_on", "ends_on",
                  "weight", "a_teaches_b", "b_teaches_a", "a_confirmed_at", "b_confirmed_at",
                  "created_at", "effectiveness"]

    def get_effectiveness(self, obj: Pair) -> EffectivenessSerializer:
        # Set by the view (selectors.pair_with_figures, pairs_page): no query here.
        from django.utils import timezone

        from tandem.core import effectiveness as core

        p: Any = obj
        meetings = core.MeetingFigures(p.meetings_held, p.meetings_missed, core.cadence_norm(
            core.window(p.starts_on, p.ends_on, as_of=timezone.localdate())))
        data: Any = {
            "a_to_b": {"rows_done": p.ab_done, "rows_total": p.ab_total,
                       "rows_overdue": p.ab_overdue},
            "b_to_a": {"rows_done": p.ba_done, "rows_total": p.ba_total,
                       "rows_overdue": p.ba_overdue},
            "meetings_held": meetings.held,
            "meetings_planned": meetings.planned,
        }
        return data  # type: ignore[no-any-return]


class MapRowSerializer(serializers.ModelSerializer[Row]):
    resources = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Row
        fields = ["id", "direction", "order", "competency", "title", "current_level",
                  "target_level", "partner_level", "task", "forms", "deadline", "product",
                  "evidence", "resources", "done_at", "updated_at"]


class DirectionProgressSerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    overdue = serializers.IntegerField()
    percent = serializers.IntegerField()


class MapProgressSerializer(serializers.Serializer[Any]):
    a_to_b = DirectionProgressSerializer()
    b_to_a = DirectionProgressSerializer()


class MapSerializer(serializers.ModelSerializer[Map]):
    rows = MapRowSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Map
        fields = ["id", "pair", "status", "a_agreed_at", "b_agreed_at", "approved_at",
                  "ended_reason", "created_at", "updated_at", "progress", "rows"]

    def get_progress(self, obj: Map) -> MapProgressSerializer:
        rows = list(obj.rows.all())
        today = timezone.localdate()
        data: Any = {
            "a_to_b": DirectionProgressSerializer(progress(rows, Row.Direction.A_TO_B,
                                                           today)).data,
            "b_to_a": DirectionProgressSerializer(progress(rows, Row.Direction.B_TO_A,
                                                           today)).data,
        }
        return data  # type: ignore[no-any-return]


# -- resources -----------------------------------------------------------------------
class ResourceSerializer(serializers.ModelSerializer[Resource]):
    competencies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    owner = serializers.SerializerMethodField(
        help_text="чей ресурс: f — федеральный каталог, r:<id> регион, m:<id> муниципалитет, "
                  "o:<id> организация")

    class Meta:
        model = Resource
        fields = ["id", "title", "kind", "level", "description", "url", "starts_on",
                  "ends_on", "format", "owner_name", "competencies", "owner", "region",
                  "municipality", "organization", "is_active", "updated_at"]

    def get_owner(self, obj: Resource) -> str:
        return owner_choice(obj.owner)


class ResourceInputSerializer(serializers.Serializer[Any]):
    """The body of create (all required fields) and update (PATCH: any of them)."""

    owner = serializers.CharField(
        help_text="f (федеральный каталог, для федерального оператора), r:<id>, m:<id> или "
                  "o:<id> — из своих единиц")
    title = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=Kind.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    description = serializers.CharField(required=False, allow_blank=True)
    url = serializers.URLField(required=False, allow_blank=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    format = serializers.ChoiceField(choices=Format.choices)
    owner_name = serializers.CharField(required=False, allow_blank=True)
    competencies = serializers.ListField(child=serializers.CharField(),
                                         help_text="коды компетенций")
    is_active = serializers.BooleanField(required=False, default=True)


# -- monitoring figures (tandem.monitoring.effectiveness; read-only) -----------------------
class SatisfactionSerializer(serializers.Serializer[Any]):
    mean = serializers.FloatField(allow_null=True,
                                  help_text="среднее 1–10; null — скрыто: меньше 3 ответов "
                                            "или меньше 3 человек")
    answers = serializers.IntegerField()


class SatisfactionFiguresSerializer(serializers.Serializer[Any]):
    mentee_benefit = SatisfactionSerializer(source="mentee_satisfaction")
    mentor_satisfaction = SatisfactionSerializer()
    recommend = SatisfactionSerializer()


class PairCountsSerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField(source="pairs_total")
    waiting = serializers.IntegerField(source="pairs_waiting",
                                       help_text="утверждены, ещё не подтверждены обоими")
    active = serializers.IntegerField(source="pairs_active")
    completed = serializers.IntegerField(source="pairs_completed")
    ended_early = serializers.IntegerField(source="pairs_ended_early")
    completed_all_closed = serializers.IntegerField(source="pairs_completed_all_closed")
    active_share = serializers.FloatField(allow_null=True)
    completed_share = serializers.FloatField(allow_null=True)
    ended_early_share = serializers.FloatField(allow_null=True)
    success_share = serializers.FloatField(allow_null=True)


class DeficitCountsSerializer(serializers.Serializer[Any]):
    planned = serializers.IntegerField(source="deficits_planned")
    closed = serializers.IntegerField(source="deficits_closed")
    closed_share = serializers.FloatField(allow_null=True)


class TaskCountsSerializer(serializers.Serializer[Any]):
    planned = serializers.IntegerField(source="tasks_planned")
    done = serializers.IntegerField(source="tasks_done")
    overdue = serializers.IntegerField(source="tasks_overdue")
    done_share = serializers.FloatField(allow_null=True)


class MeetingCountsSerializer(serializers.Serializer[Any]):
    held = serializers.IntegerField(source="meetings_held")
    planned = serializers.IntegerField(source="meetings_planned")
    held_share = serializers.FloatField(allow_null=True, source="meetings_share")


class KirkpatrickPartSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    value = serializers.FloatField(allow_null=True)


class KirkpatrickLevelSerializer(serializers.Serializer[Any]):
    key = serializers.ChoiceField(choices=["reaction", "learning", "behaviour", "results"])
    value = serializers.FloatField(allow_null=True)
    unit = serializers.ChoiceField(choices=["share", "score"],
                                   help_text="share — доля 0..1, score — балл 1..10")
    parts = KirkpatrickPartSerializer(many=True)


class AreaGainSerializer(serializers.Serializer[Any]):
    area = serializers.CharField()
    name = serializers.CharField()
    mean_before = serializers.FloatField(allow_null=True)
    mean_after = serializers.FloatField(allow_null=True)
    gain = serializers.FloatField(allow_null=True)
    people = serializers.IntegerField()


class UnitSummarySerializer(serializers.Serializer[Any]):
    """``tandem.monitoring.effectiveness.UnitSummary`` of the filtered unit."""

    as_of = serializers.DateField(help_text=(
        "день, на который посчитано: конец периода (не позже сегодняшнего), без периода — "
        "сегодня; без периода может быть раньше сегодняшнего, пока показатели пар "
        "пересчитываются после полуночи региона (самый ранний день показателей пар; "
        "удовлетворённость и прирост — сегодняшние)"))
    participants_active = serializers.IntegerField()
    participants_in_pairs = serializers.IntegerField()
    involvement = serializers.FloatField(allow_null=True)
    pairs = PairCountsSerializer(source="*")
    deficits = DeficitCountsSerializer(source="*")
    tasks = TaskCountsSerializer(source="*")
    meetings = MeetingCountsSerializer(source="*")
    products = serializers.IntegerField()
    satisfaction = SatisfactionFiguresSerializer(source="*")
    kirkpatrick = KirkpatrickLevelSerializer(many=True)
    gains_by_area = AreaGainSerializer(
        many=True, source="gains",
        help_text="средний уровень до и после по областям; только организации, где обе "
                  "диагностики прошли не меньше 3 человек (пустой список — скрыто или нет "
                  "итоговой диагностики)")
    gains_left_out = serializers.IntegerField(
        help_text="сколько человек не вошли в gains_by_area: в их организации и итоговой "
                  "диагностике обе диагностики прошли меньше 3 человек")
    gains_pending_until = serializers.DateField(
        allow_null=True,
        help_text="итоговая диагностика подразделения ещё открыта (не завершена): её «до и "
                  "после» не входят в gains_by_area, пока куратор её не завершит; дата — "
                  "плановое окончание самой поздней из открытых (может быть и в прошлом); "
                  "null — открытых итоговых нет")


class CompetencyGainSerializer(serializers.Serializer[Any]):
    competency = serializers.CharField()
    before = serializers.IntegerField(allow_null=True)
    after = serializers.IntegerField(allow_null=True)
    target = serializers.IntegerField()
    closed = serializers.BooleanField()
    gain = serializers.IntegerField(allow_null=True)


class PairDirectionFiguresSerializer(serializers.Serializer[Any]):
    deficits_planned = serializers.IntegerField()
    deficits_closed = serializers.IntegerField()
    deficits_assessed = serializers.IntegerField()
    closed_share = serializers.FloatField(allow_null=True)
    tasks_planned = serializers.IntegerField()
    tasks_done = serializers.IntegerField()
    tasks_overdue = serializers.IntegerField()
    done_share = serializers.FloatField(allow_null=True)
    products = serializers.IntegerField()
    mean_gain = serializers.FloatField(allow_null=True)
    gains = CompetencyGainSerializer(many=True)


class PairMeetingFiguresSerializer(serializers.Serializer[Any]):
    held = serializers.IntegerField()
    planned = serializers.IntegerField()
    scheduled_not_held = serializers.IntegerField()
    norm = serializers.IntegerField()
    held_share = serializers.FloatField(allow_null=True)
    last_held_on = serializers.DateField(allow_null=True)


@extend_schema_field({"type": "string", "enum": Pair.Status.values,
                      "description": "статус пары / pair status"})
class PairStatusField(serializers.CharField):
    """A pair's status, described inline: a second component with the pair statuses
    would rename the pairs' enum in the schema (a naming collision)."""


class PairFiguresSerializer(serializers.Serializer[Any]):
    """``tandem.monitoring.effectiveness.PairFigures`` of one pair."""

    pair = serializers.IntegerField(source="pair_id")
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization")
    a_name = serializers.CharField()
    b_name = serializers.CharField()
    status = PairStatusField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    a_to_b = PairDirectionFiguresSerializer()
    b_to_a = PairDirectionFiguresSerializer()
    meetings = PairMeetingFiguresSerializer()
    deficits_planned = serializers.IntegerField()
    deficits_closed = serializers.IntegerField()
    all_closed = serializers.BooleanField()
    reverse = serializers.BooleanField(help_text="обе стороны чему-то учатся")
    tasks_overdue = serializers.IntegerField()
