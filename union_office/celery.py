import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_office.settings")

app = Celery("union_office")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The fixed beat schedule. Reminders themselves are rows in our own tables (sent exactly once by
# a conditional update), so beat only has to wake the dispatchers; a missed tick loses nothing.
# django-celery-beat is not used: it does not accept Django 6.1, and we need no editable schedule.
app.conf.beat_schedule = {
    # Apps add their periodic dispatchers here as they gain them (activities reminders, motion
    # 催办, hardship re-checks), e.g.:
    # "dispatch-due-reminders": {"task": "...", "schedule": 60.0},
}
