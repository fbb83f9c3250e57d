"""Open appointment slots for every board of every hall with a queue over the coming working
days."""

from django.core.management.base import BaseCommand

from windows.demo import seed_slots


class Command(BaseCommand):
    help = "为设有排队叫号的各网点的各板块开放今后若干个工作日的预约时段（已存在的时段保持不变）。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=10, help="工作日数（默认10）")
        parser.add_argument("--capacity", type=int, default=5, help="每个时段名额（默认5）")

    def handle(self, *args, days: int, capacity: int, **options):
        created = seed_slots(working_days=days, capacity=capacity)
        self.stdout.write(self.style.SUCCESS(f"新开放预约时段 {created} 个。"))
