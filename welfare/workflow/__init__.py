"""The welfare workflows on the kernel (union_office/workflow.py): aid.py (困难帮扶 applications),
campaign.py (金秋助学 applications)."""
