import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from . import access
from .models import Member, MemberStatus, OrgUnit


def _units(request) -> QuerySet[OrgUnit]:
    return access.units(request.user, "members.view_member") if request else OrgUnit.objects.none()


class MemberFilter(django_filters.FilterSet):
    """Roster filters; the queryset it narrows is already scoped by the access policy."""

    q = django_filters.CharFilter(label=_("搜索"), method="search", max_length=50)
    unit = django_filters.ModelChoiceFilter(
        label=_("单位"), queryset=_units, method="in_subtree", empty_label=_("全部单位")
    )
    status = django_filters.ChoiceFilter(label=_("会籍状态"), choices=MemberStatus.choices, empty_label=_("全部"))

    class Meta:
        model = Member
        fields = ["q", "unit", "status"]

    def search(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        # Name, member number, or the tail of a phone number (what clerks type at the counter).
        return queryset.filter(Q(name__contains=value) | Q(member_no__iexact=value) | Q(phone__endswith=value))

    def in_subtree(self, queryset: QuerySet[Member], name: str, value: OrgUnit) -> QuerySet[Member]:
        return queryset.filter(org_unit__path__startswith=value.path)
