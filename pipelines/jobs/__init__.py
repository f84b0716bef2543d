"""The jobs: what a CLI verb and an Airflow task both call.

- :mod:`pipelines.jobs.crawl`: crawl sources in a subprocess (``python -m spiders.run``), stage the run;
- :mod:`pipelines.jobs.process`: clean -> dedup -> tag -> archive one staged run.
"""
