"""The proof suite: faults, bad input, security (issue 13). Figures in docs/RELIABILITY.md."""
