"""The year-end screens: summary.py (the 年度工作总结, the statistics, the 上级's view, the search)."""
