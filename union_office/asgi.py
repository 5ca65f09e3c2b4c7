import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_office.settings")
application = get_asgi_application()

# A wrong FIELD_ENCRYPTION_KEYS stops the start here, not at the first ID reveal (docs/backup.md).
from union_office.crypto import check_keys  # noqa: E402

check_keys()
