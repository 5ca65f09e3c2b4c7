"""The plans app's views: the editor (editor/); list, detail, workflow, following, exports (plans.py)."""
