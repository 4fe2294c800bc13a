"""Print the scenario field reference as Markdown: ``python -m simulation.reference``."""

from .scenario import field_reference_markdown

if __name__ == "__main__":  # pragma: no cover
    print(field_reference_markdown(), end="")
