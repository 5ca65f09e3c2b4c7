"""Welfare screens, one module per area: aid.py (aid applications, 公示 and objections, 困难职工档案,
慰问, the report), campaign.py (金秋助学)."""
