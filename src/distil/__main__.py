"""``python -m distil`` runs the command line."""

from distil.cli.main import main

if __name__ == "__main__":
    main()
