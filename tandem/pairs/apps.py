from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PairsConfig(AppConfig):
    name = "tandem.pairs"
    verbose_name = _("Наставнические пары")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.pairs.models import Pair, PairOrder, PairRule

        # The members' organizations are a copy of theirs, derived (tandem/pairs/members.py),
        # and so are their regions (tandem/pairs/regions.py) and their search names
        # (tandem/pairs/names.py: a copy of Participant.search_name, whose rename is in
        # the participant's trail; a copy in the pair's would keep an anonymised name);
        # the kept meeting dates are derived from the meetings (PairQuerySet.keep_held).
        auditlog.register(
            Pair,
            exclude_fields=["a_teaches_b", "b_teaches_a", "a_organization", "b_organization",
                            "region", "b_region", "held_until", "held_next", "names"],
        )
        auditlog.register(PairRule)
        auditlog.register(PairOrder, m2m_fields={"pairs"})

        # A member who moves takes the pair's copy of their organization along (and one
        # renamed, of their name).
        from django.db.models.signals import post_save

        from tandem.pairs import members
        from tandem.people.models import Participant

        post_save.connect(
            members.participant_saved, sender=Participant, dispatch_uid="pair_members_saved"
        )

        # An organization or a municipality that moves takes the pairs' kept regions along
        # (compared as stored before each save: tandem/web/tracking.py).
        from tandem.pairs import regions
        from tandem.web.tracking import track

        track(*regions.TRACKED)
        # A rename or a move in a transaction: the pairs' names, organizations and
        # regions again after its commit (a pair created meanwhile; tandem/pairs/members.py).
        track(*members.TRACKED)

        # This app's section of a person's data (152-ФЗ download).
        from tandem.pairs.personal_data import SECTION
        from tandem.people.personal_data import register_section

        register_section(SECTION)

        # Runs whose worker was killed are marked by the sweep (tandem sweep-jobs).
        from tandem.pairs.tasks import expire_stale
        from tandem.web.jobs import register_sweeper

        register_sweeper("pairs", expire_stale)

        # Links on a participant's card (directory sits below this app).
        from tandem.directory.links import register_person_links
        from tandem.pairs.links import person_links

        register_person_links("pairs", person_links, order=20)
