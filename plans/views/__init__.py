"""The plans app's views: the editor (editor.py); list, detail, workflow, following, exports (plans.py)."""
