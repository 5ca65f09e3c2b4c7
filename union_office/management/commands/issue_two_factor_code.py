"""An administrator issues a one-time two-step sign-in enrolment code: `manage.py issue_two_factor_code 张三`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from union_office.accounts.enrolment import CODE_LIFETIME, enrolment_code_issue


class Command(BaseCommand):
    help = "Issue a one-time enrolment code for binding an authenticator (any earlier code is void)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        code = enrolment_code_issue(actor=None, user=user)
        days = CODE_LIFETIME.days
        self.stdout.write(f"{code}  (for {username}, valid {days} days, single use)")
