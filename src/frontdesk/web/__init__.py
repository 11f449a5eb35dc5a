"""The agents' web UI: server-rendered pages (Jinja2), small JavaScript modules, live updates
from the event stream (DESIGN 8)."""
