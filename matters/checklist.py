"""情形引导: a matter's questions read against an applicant's answers.

``evaluate`` is the one reading of the answers, used by the checklist API, the guide's
questionnaire pages and case creation alike. It is pure: it reads only what the matter has
loaded already (use ``matters.selectors.matter_checklist_queryset``, or the detail queryset,
so that no question, option or requirement costs a query).

The rule: a requirement that no option selects applies to every applicant, as the guide
states it (required or not). A requirement that options select (``Requirement.selected_by``)
applies only when one of them is answered, and then it is required of the applicant (a
material a department pushes is still never the applicant's to bring). An option that
rules out makes the applicant ineligible, with the reason and what to do instead.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .exceptions import AnswersIncompleteError, InvalidAnswerError
from .models import Matter, ProvidedBy, Question, QuestionOption, Requirement


@dataclass(frozen=True)
class Reason:
    """Why an answer rules the applicant out, and what they may do instead."""

    question: Question
    option: QuestionOption

    @property
    def reason(self) -> str:
        return self.option.ruled_out_reason

    @property
    def instead(self) -> str:
        return self.option.instead


@dataclass(frozen=True)
class Applied:
    """A requirement that applies to the applicant; ``selected_by``: the answers that
    selected it (empty: it applies to everyone)."""

    requirement: Requirement
    required: bool
    selected_by: tuple[QuestionOption, ...] = ()

    @property
    def conditional(self) -> bool:
        return bool(self.selected_by)


@dataclass
class Result:
    eligible: bool
    reasons: list[Reason] = field(default_factory=list)
    requirements: list[Applied] = field(default_factory=list)
    unanswered: list[Question] = field(default_factory=list)
    # Each answered question with the option chosen, in the questions' order.
    answers: list[tuple[Question, QuestionOption]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.unanswered

    def stored_answers(self) -> list[dict]:
        """The answers as a case keeps them: codes and the wording as it was asked."""
        return [
            {
                "code": question.code,
                "question": question.text,
                "value": option.value,
                "answer": option.label,
            }
            for question, option in self.answers
        ]

    def query(self) -> dict[str, str]:
        """The answers as ``{question code: value}`` (for links carrying them)."""
        return {question.code: option.value for question, option in self.answers}


def questions_of(matter: Matter) -> list[Question]:
    """The matter's questions in order, options loaded (prefetched or read once)."""
    return sorted(matter.questions.all(), key=lambda q: (q.order, q.pk or 0))


def options_of(question: Question) -> list[QuestionOption]:
    return sorted(question.options.all(), key=lambda o: (o.order, o.pk or 0))


def answers_from(data: Mapping, questions: list[Question], *, prefix: str = "") -> dict[str, str]:
    """The answers found in a query string or form (``<prefix><question code>=<value>``),
    only for the matter's questions; empty values are left out."""
    answers = {}
    for question in questions:
        value = data.get(f"{prefix}{question.code}")
        if isinstance(value, str) and value.strip():
            answers[question.code] = value.strip()
    return answers


def evaluate(matter: Matter, answers: Mapping | None) -> Result:
    """Read ``answers`` (``{question code: option value}``) against the matter's questions.

    Raise ``InvalidAnswerError`` (naming the question) for an unknown question or value. An
    unanswered question is listed in ``unanswered``; the requirements only it could select
    do not apply (yet).
    """
    answers = answers or {}
    if not isinstance(answers, Mapping):
        raise InvalidAnswerError(_("answers 应为“问题编码: 选项取值”的对象。"), question=None)
    questions = questions_of(matter)
    by_code = {question.code: question for question in questions}
    for code, value in answers.items():
        question = by_code.get(code) if isinstance(code, str) else None
        if question is None:
            raise InvalidAnswerError(
                _("“%(m)s”没有编码为“%(q)s”的情形问题。") % {"m": matter.name, "q": code},
                question=str(code),
            )
        if not isinstance(value, str) or value not in {o.value for o in options_of(question)}:
            raise InvalidAnswerError(
                _("问题“%(q)s”没有“%(v)s”这个选项。") % {"q": question.text, "v": value},
                question=code,
            )
    chosen: dict[int, QuestionOption] = {}
    result = Result(eligible=True)
    for question in questions:
        value = answers.get(question.code)
        if value is None:
            result.unanswered.append(question)
            continue
        option = next(o for o in options_of(question) if o.value == value)
        chosen[option.pk] = option
        result.answers.append((question, option))
        if option.rules_out:
            result.eligible = False
            result.reasons.append(Reason(question=question, option=option))
    for requirement in sorted(matter.requirements.all(), key=lambda r: (r.order, r.pk or 0)):
        selectors = list(requirement.selected_by.all())
        if not selectors:
            result.requirements.append(Applied(requirement, required=requirement.required))
            continue
        selected = tuple(chosen[o.pk] for o in selectors if o.pk in chosen)
        if selected:
            pushed = requirement.provided_by == ProvidedBy.DEPARTMENT
            result.requirements.append(
                Applied(requirement, required=not pushed, selected_by=selected)
            )
    return result


def require_complete(result: Result) -> None:
    """Refuse incomplete answers (``answers_incomplete``, naming every question left)."""
    if result.unanswered:
        raise AnswersIncompleteError(
            _("请回答全部情形问题：%(q)s。") % {"q": "、".join(q.text for q in result.unanswered)},
            extra={"unanswered": [q.code for q in result.unanswered]},
        )


def plain_answers(matter: Matter) -> dict[str, str]:
    """For each question, the first option that does not rule the applicant out, as
    ``{question code: value}`` (demo data, load tests and test fixtures file with these)."""
    answers = {}
    for question in questions_of(matter):
        option = next((o for o in options_of(question) if not o.rules_out), None)
        if option is not None:
            answers[question.code] = option.value
    return answers
