from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path

ROWS = [{"n": i, "name": f"会员{i}", "unit": "高一年级分工会", "masked": "130534********1234"} for i in range(50)]


@login_not_required
def trivial(request):
    """The floor: a request through the whole middleware stack that renders nothing."""
    return HttpResponse("ok")


@login_not_required
def template_50_rows(request):
    """A 50-row table through the template engine, with no database."""
    return render(request, "bench/rows.html", {"rows": ROWS})


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/template50/", template_50_rows),
    path("", include("union_office.urls")),
]
