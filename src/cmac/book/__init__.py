"""The book machinery: build, cache, execute, stage, publish, citation, benchmark.

It turns the study (``cmac``: data, tables, models, analysis, plots) into the published book;
:mod:`cmac.polish` then makes the built pages lighter and prints the PDF. The study never
imports anything from here.
"""
