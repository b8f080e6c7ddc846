from seqebm.cli.app import run

run()
