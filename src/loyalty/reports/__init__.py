"""Figures read from the books: the dashboard and what each rule gave."""
