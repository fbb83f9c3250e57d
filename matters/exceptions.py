from accounts.exceptions import DomainError


class GuideError(DomainError):
    """A guide fails the publishing checks; ``problems`` lists every one of them."""

    code = "guide_incomplete"

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems), extra={"problems": problems})
        self.problems = problems


class CatalogImportError(DomainError):
    code = "catalog_invalid"
