"""`python -m bpcheck.mutation [PATH ...]`: the mutation test of the checker on a catalog."""
from .mutants import main

if __name__ == "__main__":
    main()
