"""`python -m toonmoji` runs the CLI."""

from toonmoji.cli import main

main()
