"""Every write of the welfare app that has a rule: aid.py (the application workflow, 公示 and
objections, payment), hardship.py (困难职工档案), visits.py (慰问 and its caps)."""
