from seqebm.cli.main import run

run()
