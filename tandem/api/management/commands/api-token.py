from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.accounts.models import User
from tandem.api.services import api_token_issue, api_token_revoke


class Command(BaseCommand):
    help = ("Выпускает ключ REST API для пользователя (старый перестаёт работать) и печатает "
            "его; с --revoke — отзывает.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="отозвать ключ")

    def handle(self, *args: object, username: str, revoke: bool, **options: object) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Нет пользователя «{username}».")
        if revoke:
            done = api_token_revoke(user=user)
            self.stdout.write("Ключ отозван." if done else "Ключа не было.")
            return
        if not user.is_active:
            raise CommandError(f"Учётная запись «{username}» отключена.")
        self.stdout.write(api_token_issue(user=user))
