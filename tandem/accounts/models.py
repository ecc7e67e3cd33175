from django.contrib.auth.models import AbstractUser
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login. What a user may see follows from their role assignments and
    their participant record (see tandem.access)."""

    class Meta(AbstractUser.Meta):
        verbose_name = _("пользователь")  # type: ignore[assignment]
        verbose_name_plural = _("пользователи")  # type: ignore[assignment]

    def get_additional_data(self) -> dict[str, object]:
        # Audit entries of a login carry no organization: only the superuser sees them.
        return {}
