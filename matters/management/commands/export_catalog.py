"""``manage.py export_catalog [path]``: write the whole catalog as JSON (UTF-8)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from matters.catalog_io import catalog_export


class Command(BaseCommand):
    help = "导出事项清单（部门、板块、材料、事项、一件事）为 JSON；不给路径时写到标准输出。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="输出文件路径；省略时写到标准输出")

    def handle(self, *args, path: str | None = None, **options) -> None:
        text = json.dumps(catalog_export(), ensure_ascii=False, indent=2) + "\n"
        if path:
            Path(path).write_text(text, encoding="utf-8")
            self.stderr.write(self.style.SUCCESS(f"已导出到 {path}"))
        else:
            self.stdout.write(text, ending="")
