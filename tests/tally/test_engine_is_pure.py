"""The counting engine imports neither Flask nor SQLAlchemy, so anyone can reuse it."""

import subprocess
import sys


def test_importing_the_engine_loads_no_web_or_database_code():
    code = (
        "import sys, grants.tally, grants.tally.__main__; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy', 'flask_sqlalchemy'}); "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
