"""`python -m chitieu ...` is the `chitieu` command."""
from chitieu.cli import main

if __name__ == "__main__":
    main()
