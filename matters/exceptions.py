from accounts.exceptions import DomainError


class GuideError(DomainError):
    """A guide fails the publishing checks; ``problems`` lists every one of them."""

    code = "guide_incomplete"

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems), extra={"problems": problems})
        self.problems = problems


class CatalogImportError(DomainError):
    code = "catalog_invalid"


class InvalidAnswerError(DomainError):
    """An answer names a question the matter does not ask, or a value it does not offer;
    ``question`` is the code of that question."""

    code = "invalid_answer"

    def __init__(self, detail: str, *, question: str | None):
        super().__init__(detail, extra={"question": question})
        self.question = question


class AnswersIncompleteError(DomainError):
    """Answers were given but not to every question; ``unanswered`` lists their codes."""

    code = "answers_incomplete"


class NotEligibleError(DomainError):
    """An answer rules the applicant out; ``reasons`` say why and what to do instead."""

    code = "not_eligible"
