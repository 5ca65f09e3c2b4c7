import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_office.settings")
application = get_wsgi_application()

# A wrong FIELD_ENCRYPTION_KEYS stops the start here, not at the first ID reveal (docs/backup.md).
from union_office.crypto import check_keys  # noqa: E402

check_keys()

# With no Redis, the serving process dispatches reminders itself (docs/notifications.md).
from union_office.notifications.embedded import start_embedded_dispatcher  # noqa: E402

start_embedded_dispatcher()
