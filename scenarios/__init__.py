"""The built-in presets, installed with the package as ``simulation.presets``.

Each ``*.yaml`` file here is one org design, commented with what it represents. Your own
scenarios are written the same way (see README, "Scenario files").
"""
