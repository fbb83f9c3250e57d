"""Errors of the case workflow; the API maps each to its status and code."""

from accounts.exceptions import DomainError


class CaseError(DomainError):
    code = "case_error"


class InvalidTransitionError(CaseError):
    """The case (or review) is not in a status that allows this action."""

    status_code = 409
    code = "invalid_transition"


class MissingMaterialsError(CaseError):
    """Required materials are missing; ``missing`` names every one of them."""

    code = "materials_missing"

    def __init__(self, detail: str, missing: list[dict]):
        super().__init__(detail, extra={"missing": missing})
        self.missing = missing


class MaterialFileError(CaseError):
    code = "invalid_file"


class MaterialTooLargeError(CaseError):
    status_code = 413
    code = "file_too_large"


class CasePermissionError(CaseError):
    status_code = 403
    code = "permission_denied"


class ApplicantNotAccountError(CasePermissionError):
    """Online, an account applies for its own identity, or declares itself the agent."""

    code = "applicant_not_account"


class AgentNotAccountError(CasePermissionError):
    """An account that files for someone else is the agent itself."""

    code = "agent_not_account"


class NotApplicantError(CasePermissionError):
    """Only the applicant rates the case."""

    code = "not_applicant"


class AuthorisationMissingError(MissingMaterialsError):
    """A helper's filing is submitted only with the resident's authorisation: the signed
    委托书 uploaded, or the resident's own confirmation online."""

    code = "authorisation_missing"


class NotTakenInHereError(CasePermissionError):
    """The hall of the staff member may not take this matter in."""

    code = "not_taken_in_here"


class NotHelperCaseError(CaseError):
    """Only a case a helper carries is authorised by the resident online."""

    status_code = 409
    code = "not_helper_case"


class ConsentNotApplicantError(CaseError):
    """Consent to lookups of shared data counts only from the applicant (their own
    identity) or recorded by a clerk at the window; an agent or helper cannot give it."""

    code = "consent_not_applicant"
