"""``manage.py import_catalog path``: import a catalog JSON file, all or nothing."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from matters.catalog_io import SECTION_LABELS, SECTIONS, catalog_import
from matters.exceptions import CatalogImportError


class Command(BaseCommand):
    help = "从 JSON 文件导入事项清单：先整体校验，有问题则一次列出全部问题且不写入任何数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="事项清单 JSON 文件（UTF-8）")

    def handle(self, *args, path: str, **options) -> None:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"文件 {path} 不是有效的 UTF-8 JSON：{exc}") from exc
        try:
            counts = catalog_import(data=data)
        except CatalogImportError as exc:
            raise CommandError(exc.detail) from exc
        for section in SECTIONS:
            created, updated = counts[f"{section}_created"], counts[f"{section}_updated"]
            self.stdout.write(f"{SECTION_LABELS[section]}：新增 {created}，更新 {updated}")
        self.stdout.write(self.style.SUCCESS("导入完成。"))
