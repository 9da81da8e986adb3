"""`python -m coursesite`: the same command line as `coursesite` and `build.py`."""
from coursesite.cli import run_as_process

if __name__ == "__main__":
    run_as_process()
