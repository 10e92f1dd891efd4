"""gunicorn settings for Our Tables: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment, so the same file serves one small
server or several app servers behind a load balancer.
"""

import multiprocessing
import os

# nginx talks to us on the loopback interface only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: requests are short and the slow work (e-mail, Stripe) is in the job worker.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never take the site down.
max_requests = 1000
max_requests_jitter = 100
# The app writes its own one-line JSON request log (no personal data); gunicorn's access
# log would add addresses and full paths with tokens, so it is off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Proxy headers are handled by the app (PROXY_FIX_HOPS), not by gunicorn.
forwarded_allow_ips = "127.0.0.1"
proc_name = "our-tables-web"
