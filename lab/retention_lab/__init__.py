"""The retention project lab: reference, generators, engine comparison, semantic-layer generator, benchmarks."""
