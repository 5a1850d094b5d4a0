"""Data, tables, models and plots for the CMAC demining study book."""
