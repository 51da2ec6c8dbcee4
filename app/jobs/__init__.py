"""Background jobs: one mechanism (huey) for every long task: CSV import, large bulk changes, their undo.

A Job row (models.py) is the truth a caller polls; huey only carries its id to a worker
(queue.py). The worker runs the job's kind in batches, each batch one unit of work (runner.py).
"""
