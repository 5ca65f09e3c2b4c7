"""Which users must use two-factor authentication: settings.TWO_FACTOR_POLICY points here.

The kernel (union_office.accounts) enforces the second factor but may not import members, where
the roles live; it calls this function by its dotted path when TWO_FACTOR_REQUIRED is on.
"""

from django.conf import settings

from .models import RoleGrant


def requires_two_factor(user) -> bool:
    """A grant of any role in TWO_FACTOR_REQUIRED_ROLES (default 工会主席, 财务) at any unit; superusers too."""
    if user.is_superuser:
        return True
    return RoleGrant.objects.filter(user=user, role__in=settings.TWO_FACTOR_REQUIRED_ROLES).exists()
