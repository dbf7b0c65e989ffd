"""Running a room: a JupyterHub for one server, one system user per learner, nbgitpuller links.

Start it with ``make hub`` (``python -m workshop.hub``); print a learner link with ``make link``
(``python -m workshop.link``). The trainers' section of the README says how, and why each choice.
"""
