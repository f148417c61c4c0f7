"""Demo data generated from real references: CSCO 2022 digital occupations, the city list, the skill vocabulary."""
