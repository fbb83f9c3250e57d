"""API tests.

``make_user`` builds actors with their role given explicitly, so these tests do not depend on
``UserFactory``'s traits (in the first commit a trait replaced the ``roles`` hook, and users
made with ``citizen=True``… got neither their group nor a saved password).
"""

from accounts.models import IdentityKind, User
from tests.factories import UserFactory
from tests.identities import make_credit_code, make_id_number, make_mobile


def make_user(role: str, **fields) -> User:
    """A user with one role, a usable password and, for citizens and companies, an identity."""
    if role == "citizen":
        fields = {
            "identity_kind": IdentityKind.PERSON,
            "id_number": make_id_number(),
            "phone": make_mobile(),
            **fields,
        }
    elif role == "company":
        role = "citizen"
        fields = {
            "identity_kind": IdentityKind.COMPANY,
            "name": "杭州示例科技有限公司",
            "credit_code": make_credit_code(),
            "phone": make_mobile(),
            **fields,
        }
    else:
        fields = {"is_staff": True, **fields}
    return UserFactory(roles=[role], **fields)
