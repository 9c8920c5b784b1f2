#!/bin/sh
# Which Python the Makefile may build and use `.venv` with. Prints one line saying what is wrong
# (the Makefile stops with it) or nothing when all is well. Plain sh on purpose: it must give a
# clear answer under any interpreter, even one too old to parse the project's code.
#
#   tools/check_python.sh PYTHON ORIGIN VENV GOAL
#     PYTHON  the interpreter make resolved (python3.11, else python3, unless PYTHON=… was given)
#     ORIGIN  make's $(origin PYTHON): "file" when defaulted, "command line"/"environment" when given
#     VENV    the virtualenv folder (.venv)
#     GOAL    the make target, for the hint (test, dev, …)

python=$1
origin=$2
venv=$3
goal=${4:-test}
hint="Run: make $goal PYTHON=/path/to/python3.11"

# The interpreter's version, or nothing when it cannot be run. The snippet parses under Python 2 too.
version_of() {
    "$1" -c 'import sys; print("%d.%d.%d" % tuple(sys.version_info[:3]))' 2>/dev/null
}

# 0 when the version X.Y.Z is at least 3.11.
recent_enough() {
    major=${1%%.*}
    rest=${1#*.}
    minor=${rest%%.*}
    [ "$major" -gt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -ge 11 ]; }
}

given=no
case $origin in
    "command line" | environment | override) given=yes ;;
esac

if [ -e "$venv/bin/python" ]; then
    built_with=$(version_of "$venv/bin/python")
    if [ -z "$built_with" ]; then
        echo "$venv is broken (its Python no longer runs). Remove it and rebuild: rm -rf $venv && make $goal"
        exit 0
    fi
    if [ "$given" = no ]; then
        # An existing .venv is used as it is, whichever Python built it.
        recent_enough "$built_with" || echo "TiketQ needs Python 3.11 or newer; $venv was built with $built_with. Remove it and $hint (rm -rf $venv first)"
        exit 0
    fi
fi

if [ -z "$python" ]; then
    echo "TiketQ needs Python 3.11 or newer; found no python3.11 or python3 on PATH. $hint"
    exit 0
fi
found=$(version_of "$python")
if [ -z "$found" ]; then
    echo "TiketQ needs Python 3.11 or newer; '$python' does not run. $hint"
    exit 0
fi
if ! recent_enough "$found"; then
    echo "TiketQ needs Python 3.11 or newer; found $found. $hint"
    exit 0
fi

# PYTHON=… was given and a .venv exists: it must be the same Python (major.minor), or make would
# quietly test with another interpreter than the one asked for.
if [ -n "${built_with:-}" ] && [ "${built_with%.*}" != "${found%.*}" ]; then
    echo "$venv was built with Python $built_with, but PYTHON=$python is $found. Remove it to rebuild with $found (rm -rf $venv && make $goal PYTHON=$python), or drop PYTHON=… to keep using $built_with"
fi
exit 0
