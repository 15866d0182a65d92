"""The clinic lead's report: figures from the database, as staff-chat text and charts
(/report, /caseload) and as one self-contained HTML file (``python main.py report``).

``collect`` reads (through ``bot/storage/reports.py``), ``figures`` works the numbers out,
``text``/``charts``/``html``/``caseload`` put them into words and pictures.
"""
