"""Views of the members app, one module per area: roster pages, membership changes, import, export."""
