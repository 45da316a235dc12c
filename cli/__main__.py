"""`python -m cli`: the citeqa command line."""

from cli.commands import main

main()
