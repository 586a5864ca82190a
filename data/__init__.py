"""The data layer: models, migrations, scoped queries, ingestion, event bus, demo data.

All SQL of the project lives below this package.
"""
