"""A programme's data for the document layer (tandem/documents/programme_doc.py)."""

from collections.abc import Callable

from tandem.documents import programme_doc as doc
from tandem.programmes.models import STAGE_LABELS, Programme
from tandem.programmes.selectors import chosen_resources_by_level

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"

SCOPE_TEXT = {
    Programme.PairScope.ORGANIZATION: "внутри организации",
    Programme.PairScope.MUNICIPALITY: ("в муниципальном пуле: с педагогами других "
                                       "организаций муниципалитета"),
}

# (document, format) → (renderer, file name stem, content type)
RENDERERS: dict[tuple[str, str], tuple[Callable[[doc.ProgrammeDoc], bytes], str, str]] = {
    ("regulation", "docx"): (doc.regulation_docx, "polozhenie", DOCX),
    ("regulation", "pdf"): (doc.regulation_pdf, "polozhenie", PDF),
    ("roadmap", "docx"): (doc.roadmap_docx, "dorozhnaya-karta", DOCX),
    ("roadmap", "pdf"): (doc.roadmap_pdf, "dorozhnaya-karta", PDF),
}


def programme_data(programme: Programme) -> doc.ProgrammeDoc:
    org = programme.organization
    return doc.ProgrammeDoc(
        organization=org.name, municipality=org.municipality.name,
        year_label=programme.year_label, version=programme.version,
        status=programme.get_status_display(), order_number=programme.order_number,
        order_date=programme.order_date, goals=programme.goals, tasks=programme.task_list,
        forms=programme.form_labels, technologies=programme.technology_labels,
        scope_text=SCOPE_TEXT[Programme.PairScope(programme.pair_scope)],
        reciprocity_required=programme.reciprocity_required,
        no_reporting_line=programme.no_reporting_line, capacity=programme.capacity,
        min_experience_gap=programme.min_experience_gap, age_groups=programme.age_groups,
        subject=programme.subject, place=programme.place,
        resources=[(level[:1].upper() + level[1:], [r.title for r in items])
                   for level, items in chosen_resources_by_level(programme)],
        roadmap=[doc.RoadmapLine(stage=str(STAGE_LABELS.get(r.stage, r.stage)),
                                 activity=r.activity, starts_on=r.starts_on,
                                 ends_on=r.ends_on, responsible=r.responsible,
                                 result=r.result) for r in programme.roadmap.all()],
        indicators=[(i.title, i.target_text) for i in programme.indicators.all()])
