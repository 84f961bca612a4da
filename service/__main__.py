"""`python -m service` is `onrecord` (how `onrecord serve` starts its indexer)."""

from service.cli import cli

if __name__ == "__main__":  # not when multiprocessing's spawned children import it
    cli()
