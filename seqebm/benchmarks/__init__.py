"""`seqebm bench`: reproductions of published claims on MCMC regimes (ising, images, multimodal)."""
