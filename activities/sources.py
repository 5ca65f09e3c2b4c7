"""What caused an event, told by the app that caused it.

`Event.source_key` ("plans.scheduleentry:12") links an event to whatever it was created from, and
activities never imports that app. The app registers how to name its keys instead (in its
AppConfig.ready()), and the event page shows the back-link:

    from activities.sources import SourceLink, register_source_label
    register_source_label("plans.scheduleentry", lambda user, key: SourceLink("…", "/plans/3/"))

The callable gets the user and the whole key and returns None when the user may not see the source.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from .models import Event, Schedule


class SourceLink(NamedTuple):
    label: str
    url: str


Describe = Callable[[Any, str], SourceLink | None]
LABELS: dict[str, Describe] = {}


def register_source_label(prefix: str, describe: Describe) -> None:
    """`prefix` is the key's part before the first ":"; registering it again replaces the callable."""
    LABELS[prefix] = describe


def source_link(user: Any, event: Event | Schedule) -> SourceLink | None:
    """The back-link of an event or a recurring activity (both carry `source_key`)."""
    prefix = event.source_key.partition(":")[0]
    describe = LABELS.get(prefix) if event.source_key else None
    return describe(user, event.source_key) if describe else None
