"""Export and import of the whole catalog as one JSON document (事项清单导入导出).

The document is ``{"format": "onetrip-catalog", "version": 1, "departments": [...],
"licence_types": [...], "data_items": [...], "boards": [...], "material_types": [...],
"matters": [...], "bundles": [...]}``; rows refer to each other by code, and a reference may
name a row in the file or one already in the database.

An import is checked in full before anything is written, and every problem is reported at
once. Published matters must pass the same guide checks as ``matter_publish``. Rows are
matched by code and updated only where they differ, a matter's steps (by order) and
requirements (by material) are made to match the file, so importing the same file twice
changes nothing. Uploaded blank forms and samples of requirements are not part of the format
and are kept as they are.
"""

from .export import catalog_export
from .fields import FORMAT, SECTION_LABELS, SECTIONS, VERSION
from .write import catalog_import

__all__ = ["FORMAT", "SECTIONS", "SECTION_LABELS", "VERSION", "catalog_export", "catalog_import"]
