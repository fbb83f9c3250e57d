"""Each licence names the key that signed it; licences signed the old way move to the new key.

Until now the key was ``LICENCE_SIGNING_KEY`` or, unset, derived from ``SECRET_KEY``. A
licence whose signature still verifies under that old key is signed again with the newest
``LICENCE_SIGNING_KEYS`` entry, so rotating ``SECRET_KEY`` afterwards changes nothing for it.
A licence that no longer verifies keeps an empty key id: it stays ``licence_tampered``.
"""

import hashlib
import hmac
import json
import os

from django.conf import settings
from django.db import migrations, models


def _content(licence) -> bytes:
    # Frozen copy of documents.services.licences.canonical_content as of this migration.
    facts = {
        "type": licence.licence_type.code,
        "number": licence.number,
        "holder_kind": licence.holder_kind,
        "holder_id": licence.holder_id,
        "holder_name": licence.holder_name,
        "scope": licence.scope,
        "issued_on": licence.issued_on.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else "",
        "issuing_department": licence.issuing_department,
        "verification_code": licence.verification_code,
    }
    return json.dumps(facts, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def resign_legacy(apps, schema_editor):
    Licence = apps.get_model("documents", "Licence")
    licences = Licence.objects.filter(signature_key_id="").select_related("licence_type")
    if not licences.exists():
        return
    from documents.signing import current_key

    old = os.environ.get("LICENCE_SIGNING_KEY", "").encode() or hmac.new(
        settings.SECRET_KEY.encode(), b"onetrip.licence-signing", hashlib.sha256
    ).digest()
    new = current_key()
    for licence in licences.iterator():
        content = _content(licence)
        expected = hmac.new(old, content, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(licence.signature, expected):
            continue
        licence.signature = hmac.new(new.secret, content, hashlib.sha256).hexdigest()
        licence.signature_key_id = new.kid
        licence.save(update_fields=["signature", "signature_key_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="licence",
            name="signature_key_id",
            field=models.CharField(
                default="",
                help_text="LICENCE_SIGNING_KEYS 中签名所用密钥的编号",
                max_length=32,
                verbose_name="签名密钥编号",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(resign_legacy, migrations.RunPython.noop),
    ]
