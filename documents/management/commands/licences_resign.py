"""Sign every e-licence with the newest key, so an older key can leave LICENCE_SIGNING_KEYS."""

from django.core.management.base import BaseCommand

from documents.services import licences_resign


class Command(BaseCommand):
    help = (
        "用最新的签名密钥重新签署电子证照（仅签名仍有效者），之后可从 LICENCE_SIGNING_KEYS "
        "中移除旧密钥。"
    )

    def handle(self, *args, **options):
        resigned, refused = licences_resign()
        self.stdout.write(self.style.SUCCESS(f"已重新签署 {resigned} 张电子证照。"))
        if refused:
            self.stdout.write(
                self.style.WARNING(f"{refused} 张证照签名不符（内容可能被改动），未重新签署。")
            )
