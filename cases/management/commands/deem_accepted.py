"""Accept online cases left unanswered for 5 working days (licensing law art. 32)."""

from django.core.management.base import BaseCommand

from cases.services import cases_deem_accepted


class Command(BaseCommand):
    help = "依法视为受理：网上提交满5个工作日未受理、未告知补正、未不予受理的办件。"

    def handle(self, *args, **options):
        numbers = cases_deem_accepted()
        for number in numbers:
            self.stdout.write(f"视为受理：{number}")
        self.stdout.write(self.style.SUCCESS(f"共 {len(numbers)} 件。"))
