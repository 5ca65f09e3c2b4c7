"""Which users must use two-factor authentication: settings.TWO_FACTOR_POLICY points here.

The kernel (union_office.accounts) enforces the second factor but may not import members, where
the roles live; it calls this function by its dotted path, on every request, when
TWO_FACTOR_REQUIRED is on.
"""

from django.conf import settings

from . import access

# What makes a role need a second factor by default: reading full ID numbers, hardship files and
# aid applications, or the ledger (issue 17, finding 4). settings.TWO_FACTOR_REQUIRED_ROLES lists
# these roles; members/tests/test_twofactor.py keeps the two in step.
SENSITIVE_PERMISSIONS = ("members.view_full_id_number", "welfare.view_aid", "finance.view_ledger")


def roles_reading_sensitive_data() -> set[str]:
    return {str(role) for code in SENSITIVE_PERMISSIONS for role in access.PERMISSIONS[code].roles}


def requires_two_factor(user) -> bool:
    """A current grant of any role in TWO_FACTOR_REQUIRED_ROLES at any unit; superusers too.

    Reads access.grants_for, cached on the request's user: the page's own access checks share it.
    """
    if user.is_superuser:
        return True
    required = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    return any(grant.role in required for grant in access.grants_for(user))
