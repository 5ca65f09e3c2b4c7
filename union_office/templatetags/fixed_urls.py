"""{% fixed_url "name" %}: {% url "name" %} for a URL without arguments, reversed once per process.

reverse() costs ~40 µs; a page's frame and buttons carried twenty of them (docs/performance.md).
Use {% url %} for anything with arguments.
"""

from django import template

from union_office.context_processors import url_of

register = template.Library()


@register.simple_tag
def fixed_url(url_name: str) -> str:
    return url_of(url_name)
