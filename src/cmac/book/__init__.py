"""The book machinery: build, cache, execute, publish, site, citation, PDF, audit, benchmark.

It turns the study (``cmac``: data, tables, models, analysis, plots) into the published book.
The study never imports anything from here.
"""
