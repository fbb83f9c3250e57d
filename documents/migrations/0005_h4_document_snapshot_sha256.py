import hashlib
import json

from django.db import migrations, models


def snapshot_hash(context):
    # Frozen copy of documents.services.papers.snapshot_hash as of this migration.
    canonical = json.dumps(context, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_hashes(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    batch = []
    for document in Document.objects.only("pk", "context").iterator(chunk_size=2000):
        document.snapshot_sha256 = snapshot_hash(document.context)
        batch.append(document)
        if len(batch) == 2000:
            Document.objects.bulk_update(batch, ["snapshot_sha256"])
            batch = []
    if batch:
        Document.objects.bulk_update(batch, ["snapshot_sha256"])


class Migration(migrations.Migration):
    dependencies = [("documents", "0004_licence_no_delete_trigger")]

    operations = [
        migrations.AddField(
            model_name="document",
            name="snapshot_sha256",
            field=models.CharField(blank=True, max_length=64, verbose_name="快照摘要"),
        ),
        migrations.RunPython(record_hashes, migrations.RunPython.noop),
    ]
